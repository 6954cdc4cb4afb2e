// Generated codecs vs protobufjs reflection vs JSON, in the same run.
//
// Each case encodes a message to bytes and decodes the bytes back, N times.
// Fairness: every side starts from the same logical message and ends with a
// full object. protobufjs reflection (Type.encode/decode, which compiles
// per-type functions at load time) gets a plain object with numbers for
// int64 and returns its Message instances with Long values; JSON gets the
// same object with 64-bit ids as decimal strings and goes through UTF-8
// bytes both ways, since a wire format needs bytes.
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
import pb from 'protobufjs'
import { ChatPush, Echo, type MessageType, Profile, ProfileGetRes } from '../src/index.js'

const N = smoke ? 2_000 : 300_000
const ROUNDS = smoke ? 1 : 5

const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url))
const pbDir = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'))
const root = new pb.Root()
root.resolvePath = (_o, t) =>
  t.startsWith('google/protobuf/') ? path.join(pbDir, t) : path.join(protoDir, t)
root.loadSync(['game/chat.proto', 'game/echo.proto', 'game/profile.proto'], { keepCase: false })

interface Case {
  label: string
  ours: { type: MessageType; message: unknown }
  reflection: { type: pb.Type; message: Record<string, unknown> }
  json: unknown
}

const chat = ChatPush.create({
  channel: 'world',
  messageId: 7205759403792793607n,
  fromUserId: 1234567n,
  fromNickname: 'bob',
  text: 'gg, see you tomorrow',
  sentAtMs: 1767225600999n,
})
const chatPlain = {
  channel: 'world',
  messageId: '7205759403792793607',
  fromUserId: 1234567,
  fromNickname: 'bob',
  text: 'gg, see you tomorrow',
  sentAtMs: 1767225600999,
}
const profile = ProfileGetRes.create({
  profile: Profile.create({
    userId: 7205759403792793607n,
    nickname: 'Ærwyn the Bold',
    level: 42,
    gold: -1234567890123n,
    gender: 1,
    iconIds: [1, 2, 3, 300, 7000, 65000, 12, 13],
    rating: 1523.25,
    lastResetMs: 1767225600000n,
    motto: 'carpe diem',
  }),
})
const profilePlain = {
  profile: {
    userId: '7205759403792793607',
    nickname: 'Ærwyn the Bold',
    level: 42,
    gold: -1234567890123,
    gender: 1,
    iconIds: [1, 2, 3, 300, 7000, 65000, 12, 13],
    rating: 1523.25,
    lastResetMs: 1767225600000,
    motto: 'carpe diem',
  },
}
const echo = Echo.create({
  text: 'ping',
  payload: new Uint8Array(32).fill(7),
  seq: 9,
  sentAtMs: 1767225600123n,
})
const echoPlain = { text: 'ping', payload: new Uint8Array(32).fill(7), seq: 9, sentAtMs: 1767225600123 }

const cases: Case[] = [
  {
    label: 'Echo (32-byte payload)',
    ours: { type: Echo as MessageType, message: echo },
    reflection: { type: root.lookupType('game.Echo'), message: echoPlain },
    json: {
      ...echoPlain,
      payload: Buffer.from(echoPlain.payload).toString('base64'),
      sentAtMs: '1767225600123',
    },
  },
  {
    label: 'ChatPush (5 fields, 3 int64)',
    ours: { type: ChatPush as MessageType, message: chat },
    reflection: { type: root.lookupType('game.ChatPush'), message: chatPlain },
    json: { ...chatPlain, fromUserId: '1234567', sentAtMs: '1767225600999' },
  },
  {
    label: 'ProfileGetRes (nested, packed)',
    ours: { type: ProfileGetRes as MessageType, message: profile },
    reflection: { type: root.lookupType('game.ProfileGetRes'), message: profilePlain },
    json: profilePlain,
  },
]

let sink = 0

/** Best of ROUNDS: ns per encode+decode. */
function time(fn: () => number): number {
  fn() // warm up (JIT)
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < ROUNDS; r++) {
    gc()
    const t0 = process.hrtime.bigint()
    sink += fn()
    const ns = Number(process.hrtime.bigint() - t0) / N
    if (ns < best) best = ns
  }
  return best
}

const rows: (string | number)[][] = []
for (const c of cases) {
  const { type, message } = c.ours
  const ourBytes = type.encode(message).length
  const ours = time(() => {
    let s = 0
    for (let i = 0; i < N; i++) s += (type.decode(type.encode(message)) as object) ? 1 : 0
    return s
  })
  const rt = c.reflection.type
  const rmsg = c.reflection.message
  const reflBytes = rt.encode(rmsg).finish().length
  const reflection = time(() => {
    let s = 0
    for (let i = 0; i < N; i++) s += rt.decode(rt.encode(rmsg).finish()) ? 1 : 0
    return s
  })
  const jsonBytes = Buffer.byteLength(JSON.stringify(c.json))
  const json = time(() => {
    let s = 0
    for (let i = 0; i < N; i++) s += JSON.parse(Buffer.from(JSON.stringify(c.json)).toString()) ? 1 : 0
    return s
  })
  const row = (impl: string, ns: number, bytes: number) => [
    c.label,
    impl,
    bytes,
    fmt(ns, 0),
    `${fmt(1e9 / ns / 1e6, 2)}M`,
    `${fmt(ns / ours, 2)}×`,
  ]
  rows.push(row('generated (ours)', ours, ourBytes))
  rows.push(row('protobufjs reflection', reflection, reflBytes))
  rows.push(row('JSON + UTF-8', json, jsonBytes))
}

report({
  title: 'Protobuf body codec: encode + decode of one message',
  command: 'pnpm bench codec',
  columns: ['message', 'codec', 'bytes', 'ns/round trip', 'round trips/s', 'time vs ours'],
  rows,
  notes: [
    `${fmt(N, 0)} encode+decode round trips per case, best of ${ROUNDS} rounds, one thread, GC forced between rounds.`,
    'Ours: straight-line code from tools/proto-gen over our own Reader/Writer (src/runtime); int64 as bigint, bytes copied out of the input.',
    'Reflection: protobufjs Type.encode/decode with int64 as Long; JSON: ids as decimal strings, bytes as base64.',
    'time vs ours > 1× means slower than ours. Echo is the closest case because ours does extra work on purpose:',
    'it copies bytes fields out of the input (reflection returns views into it) and builds bigints (reflection, Long objects).',
  ],
})
if (sink === 42) console.log('')
