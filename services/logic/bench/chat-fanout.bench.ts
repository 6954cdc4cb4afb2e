// Chat fan-out to one big channel beside the raw push path, in the same run
// on the same cluster: deliveries per second and server CPU per delivery.
//
// The cluster is the real one (center, login, two logic processes, two
// gateways, each its own process on the test MariaDB); M members (5,000)
// spread by the shard map and login over both logics and both gateways, all
// in one named channel. Cases:
// - chat line: one member sends ChatSend; the sender's logic hands it to
//   the channel's owner logic, which keeps it in the history and sends one
//   ChatRelay per logic with members; each logic pushes it with
//   SessionHome.broadcast (one ToClient per gateway link).
// - raw broadcast (baseline): a system notice (POST /admin/chat/notice on
//   the center): each logic pushes to every online player with the same
//   SessionHome.broadcast, no channel, no owner, no relay: the push cost the
//   gateways and logic pay for any broadcast.
// - raw sockets (baseline of both): a bare node:net server in its own
//   process writing the same bytes (one ChatPush frame per line) to the
//   same number of raw sockets, no protocol at all.
// Members are SDK clients (they acknowledge every 16 frames) in MEMBER_PROCS
// child processes, each from its own source address (chat-fanout/members.ts);
// the sender is one more in this process. The run fails if a member is lost.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ChatCreate, ChatKind, ChatPush, ChatSend } from '@tessera/protocol'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
// biome-ignore lint/style/noRestrictedImports: the kernel benches' child-process helper; benches have no package entry
import { type Child, forkChild } from '../../../packages/kernel/bench/net/child.js'
import { ADMIN_TOKEN, GameCluster, PRODUCTION_HEARTBEAT } from '../../../tests/game/support/game-cluster.js'
// The SDK through the e2e support (services have no client dependency).
import { clientFor, type LoginAnswer } from '../../../tests/game/support/players.js'

// The services read TESSERA_* variables as configuration: keep the bench's own out of their environment.
delete process.env.TESSERA_BENCH_SMOKE
const MEMBERS = smoke ? 60 : Number(process.env.CHAT_FANOUT_MEMBERS ?? 5000)
const LINES = smoke ? 5 : 40
const IN_FLIGHT = 4
const PASSWORD = 'violet-harbour-92-lanterns'
const CHANNEL = 'bench'
const MEMBER_PROCS = smoke ? 2 : 5
const here = path.dirname(fileURLToPath(import.meta.url))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** utime + stime of a process, µs (from /proc; clock ticks of 10 ms). */
function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) * 10_000
}

/** login's JSON API, again after `retryAfterMs` when it says so (LOGIN_NO_GATEWAY, LOGIN_BUSY), at most 10 times. */
async function api<T>(op: string, body: Record<string, unknown>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.api<T>(op, body)
    } catch (err) {
      const wait = (err as { retryAfterMs?: number }).retryAfterMs
      if (wait === undefined || attempt >= 10) throw err
      await new Promise((r) => setTimeout(r, Math.max(wait, 200)))
    }
  }
}

const cluster = new GameCluster({
  // Heartbeats as deployed: the harness's 600 ms timeout drops stalled services on a loaded box (docs/tools.md).
  centerHeartbeat: PRODUCTION_HEARTBEAT,
  logics: [1, 2],
  gateways: [201, 202],
  logicArgs: [
    '--chat.maxMembers',
    String(MEMBERS + 10),
    '--chat.ratePerSec',
    '1000000',
    '--chat.burst',
    '1000000',
  ],
  gatewayArgs: ['--gateway.clientMsgRatePerSec', '0', '--gateway.acceptRatePerSec', '0'],
  // Hashing at its floor (1 MiB, one pass): 5,000 registrations and logins are set-up here, not the figure.
  loginArgs: [
    '--login.limits.register.limit',
    '1000000',
    '--login.limits.ip.limit',
    '1000000',
    '--login.argon2.memoryKiB',
    '1024',
    '--login.argon2.timeCost',
    '1',
  ],
})

/** The bytes a gateway writes for one ChatPush of the bench's lines: length prefix, 10-byte header, body. */
function chatPushFrame(): Buffer {
  const body = ChatPush.encode(
    ChatPush.create({
      channel: CHANNEL,
      messageId: 7_300_000_000_000_000_001n,
      fromUserId: 7_300_000_000_000_000_002n,
      fromNickname: `chat_${process.pid % 10000}_0`,
      text: `line 10 ${'x'.repeat(40)}`,
      sentAtMs: BigInt(Date.now()),
      kind: ChatKind.CHAT_KIND_CHANNEL,
    }),
  )
  const f = Buffer.allocUnsafe(14 + body.length)
  f.writeUInt32BE(10 + body.length, 0)
  f[4] = 0
  f[5] = 0
  f.writeUInt32BE(ChatPush.msgId, 6)
  f.writeUInt32BE(0, 10)
  f.set(body, 14)
  return f
}

interface Case {
  kase: string
  members: number
  deliveries: number
  perSec: number
  /** Server CPU µs per delivery: gateways, logics (or the raw server as `raw`). */
  gateway: number
  logic: number
  raw: number
}

/** Poll child processes until each says done === open (or `ms` passes). */
async function untilAll(children: Child[], ask: string, ms: number, what: string, extra = () => true) {
  const end = Date.now() + ms
  for (;;) {
    const r = await Promise.all(children.map((c) => c.ask(ask)))
    if (extra() && r.every((x) => x.done === x.open)) return
    if (Date.now() > end) throw new Error(`timed out: ${what}`)
    await sleep(20)
  }
}

/** The baseline: the same frame written to as many raw sockets, before the cluster starts. */
async function rawSockets(members: number): Promise<Case> {
  const frame = chatPushFrame()
  const server = await forkChild(
    path.join(here, 'chat-fanout/raw-fanout-server.ts'),
    [frame.toString('hex')],
    300_000,
  )
  const readers: Child[] = []
  try {
    const per = Math.ceil(members / MEMBER_PROCS)
    readers.push(
      ...(await Promise.all(
        Array.from({ length: MEMBER_PROCS }, (_, p) =>
          forkChild(
            path.join(here, 'chat-fanout/raw-readers.ts'),
            [String(server.first.port), String(Math.min(per, members - p * per)), `127.0.${40 + p}.2`],
            300_000,
          ),
        ),
      )),
    )
    // The readers see a socket open before the server's accept callback ran: wait (bounded) for it to hold all.
    let held = 0
    for (let i = 0; i < 100; i++) {
      held = (await server.ask('count')).sockets as number
      if (held === members) break
      await sleep(100)
    }
    if (held !== members) throw new Error(`raw server holds ${held} of ${members} sockets after 10 s`)
    await sleep(500)
    const c0 = procCpuMicros(server.proc.pid!)
    const start = performance.now()
    await server.ask(`fire:${LINES}`)
    await untilAll(readers, `progress:${LINES * frame.length}`, 120_000, 'raw sockets: every delivery')
    const ms = performance.now() - start
    const cpu = procCpuMicros(server.proc.pid!) - c0
    const deliveries = members * LINES
    return {
      kase: `raw sockets: the same ${frame.length} bytes written to ${fmt(members, 0)} sockets`,
      members,
      deliveries,
      perSec: (deliveries / ms) * 1000,
      gateway: 0,
      logic: 0,
      raw: cpu / deliveries,
    }
  } finally {
    await Promise.all(readers.map((r) => r.kill()))
    await server.kill()
  }
}

const rawCase = await rawSockets(MEMBERS)
console.log(`raw sockets: ${fmt(rawCase.perSec, 0)} deliveries/s, ${fmt(rawCase.raw, 2)} µs/delivery`)

const memberProcs: Child[] = []
/** Why clients left (printed; the run fails if any member is lost). */
const lost: string[] = []
let sender: ReturnType<typeof clientFor> | undefined
try {
  await cluster.start()
  const t0 = Date.now()
  const loginUrl = await cluster.loginUrl()
  // The sender, in this process; its own lines count as deliveries too.
  const senderAccount = `chat_${process.pid % 10000}_0`
  await api('register', { account: senderAccount, password: PASSWORD, nickname: senderAccount })
  const ans = await api<LoginAnswer>('login', { account: senderAccount, password: PASSWORD })
  sender = clientFor(ans.handoff, 'tcp')
  const got = { channel: 0, system: 0 }
  sender.on('kicked', (k) => lost.push(`sender kicked ${k.reason}: ${k.message}`))
  sender.on('close', (e) => lost.push(`sender closed: ${e.error?.message ?? 'no error'}`))
  sender.onPush(ChatPush, (p) => {
    if (p.kind === ChatKind.CHAT_KIND_SYSTEM) got.system++
    else got.channel++
  })
  await sender.connect()
  await sender.request(ChatCreate, { channel: CHANNEL })
  // The other members, in child processes (each registers, logs in and connects its share).
  const others = MEMBERS - 1
  const per = Math.ceil(others / MEMBER_PROCS)
  memberProcs.push(
    ...(await Promise.all(
      Array.from({ length: MEMBER_PROCS }, (_, p) =>
        forkChild(
          path.join(here, 'chat-fanout/members.ts'),
          [
            loginUrl,
            `chat_${process.pid % 10000}_`,
            String(1 + p * per),
            String(Math.min(per, others - p * per)),
            `127.0.${30 + p}.2`,
          ],
          1_800_000,
        ),
      ),
    )),
  )
  for (const m of memberProcs) lost.push(...(m.first.lost as string[]))
  const connected = 1 + memberProcs.reduce((n, m) => n + (m.first.connected as number), 0)
  const retried = memberProcs.reduce((n, m) => n + Number(m.first.retried ?? 0), 0)
  console.log(
    `${connected} of ${MEMBERS} members connected in ${Date.now() - t0} ms (${retried} attempts retried)`,
  )
  const joins = await Promise.all(memberProcs.map((m) => m.ask(`join:${CHANNEL}`)))
  const refused = joins.flatMap((j) => j.failed as string[])
  if (refused.length > 0) throw new Error(`${refused.length} joins refused, first: ${refused[0]}`)
  console.log(`members joined in ${Date.now() - t0} ms`)

  const pids: Record<string, number> = {}
  for (const [id, p] of cluster.logics) pids[`logic#${id}`] = p.pid
  for (const [id, g] of cluster.gateways) pids[`gateway#${id}`] = g.proc.pid

  const measure = async (
    kase: string,
    fire: (i: number) => Promise<unknown>,
    kind: 'channel' | 'system',
  ): Promise<Case> => {
    await sleep(500)
    gc()
    await Promise.all(memberProcs.map((m) => m.ask('mark')))
    const base = got[kind]
    const c0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p)]))
    const start = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < LINES) await fire(next++)
      }),
    )
    await untilAll(
      memberProcs,
      `progress:${kind}:${LINES}`,
      120_000,
      `${kase}: every delivery`,
      () => got[kind] - base >= LINES,
    )
    const ms = performance.now() - start
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procCpuMicros(p) - c0[k]!]))
    const open =
      1 +
      (await Promise.all(memberProcs.map((m) => m.ask('lost')))).reduce((n, r) => n + (r.open as number), 0)
    const deliveries = open * LINES
    const sum = (pred: (k: string) => boolean) =>
      Object.entries(cpu)
        .filter(([k]) => pred(k))
        .reduce((a, [, v]) => a + v, 0)
    return {
      kase,
      members: open,
      deliveries,
      perSec: (deliveries / ms) * 1000,
      logic: sum((k) => k.startsWith('logic')) / deliveries,
      gateway: sum((k) => k.startsWith('gateway')) / deliveries,
      raw: 0,
    }
  }

  const raw = await measure(
    'raw broadcast (system notice → SessionHome.broadcast)',
    async (i) => {
      // The admin endpoint may close an idle kept-alive socket as the next
      // request goes out on it: that request is sent again (at most 3 times).
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(`${cluster.centerAdmin}/admin/chat/notice`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${ADMIN_TOKEN}`,
            },
            body: JSON.stringify({ text: `notice ${i} ${'x'.repeat(40)}` }),
          })
          if (!res.ok) throw new Error(`notice: ${res.status}`)
          await res.arrayBuffer()
          return
        } catch (err) {
          if (attempt >= 3 || !(err instanceof TypeError)) throw err
        }
      }
    },
    'system',
  )
  const chat = await measure(
    `chat line to a ${fmt(raw.members, 0)}-member channel`,
    (i) => sender!.request(ChatSend, { channel: CHANNEL, text: `line ${i} ${'x'.repeat(40)}` }),
    'channel',
  )
  const final = await Promise.all(memberProcs.map((m) => m.ask('lost')))
  for (const r of final) lost.push(...(r.lost as string[]))
  const held = 1 + final.reduce((n, r) => n + (r.open as number), 0)
  const cpuOf = (r: Case) => r.logic + r.gateway + r.raw
  const rows = [rawCase, raw, chat].map((r) => [
    r.kase,
    fmt(r.members, 0),
    fmt(r.deliveries, 0),
    fmt(r.perSec, 0),
    fmt(cpuOf(r), 2),
    r === rawCase ? '–' : `${fmt(r.gateway, 2)} + ${fmt(r.logic, 2)}`,
    r === rawCase ? '1.00 (baseline)' : fmt(cpuOf(r) / cpuOf(rawCase), 2),
    r === rawCase ? '–' : r === raw ? '1.00 (baseline)' : fmt(cpuOf(r) / cpuOf(raw), 2),
  ])
  report({
    title: `Chat fan-out: one line to ${fmt(MEMBERS, 0)} members on 2 gateways and 2 logic processes vs raw sockets and the raw push`,
    command: 'pnpm bench chat-fanout',
    columns: [
      'case',
      'members connected',
      'deliveries',
      'deliveries/s',
      'server CPU µs/delivery',
      'gateways + logics µs/delivery',
      'CPU vs raw sockets',
      'CPU vs raw broadcast',
    ],
    rows,
    notes: [
      `${fmt(MEMBERS - 1, 0)} SDK clients over binary TCP in ${MEMBER_PROCS} member processes (source addresses 127.0.30+p.2), plus the sender in the bench process; spread by login over both gateways and by the shard map over both logics. ${LINES} lines per case with ${IN_FLIGHT} in flight, 40-byte text; the three cases in this run.`,
      'raw sockets: a bare node:net server (its own process) writes one pre-built frame per line — the length prefix, header and ChatPush body a gateway writes for these lines — to every one of as many sockets (read by the same number of processes), a line per event-loop turn; its CPU per delivery is the floor any broadcast pays in Node.',
      'Cluster messages per chat line: 1 request sender logic → owner logic (none when they are the same), 1 ChatRelay per logic with members (2), 1 ToClient per gateway link per logic (2 × 2 = 4): 7 for 5,000 members, not 5,000.',
      'raw broadcast: a system notice from the center: every logic pushes to all its players with SessionHome.broadcast (the same ToClient per gateway link), no owner or relay; the chat row adds the sender’s checks, the owner’s history and the relay.',
      'CPU is utime + stime of the gateway and logic processes (the raw server for its row) from /proc (10 ms ticks) from the first line sent until every member got every line; the load generators share the machine.',
      held === MEMBERS && lost.length === 0
        ? `All ${fmt(MEMBERS, 0)} members stayed connected from login to the end of the run (${fmt(retried, 0)} connection attempts during the set-up timed out in the handshake on the busy machine and were made again with a fresh login).`
        : `${fmt(MEMBERS - held, 0)} of ${fmt(MEMBERS, 0)} members lost (${[...new Set(lost)].slice(0, 3).join('; ')}).`,
    ],
  })
  if (held !== MEMBERS || lost.length > 0) process.exitCode = 1
} catch (err) {
  // Why members (or the sender) went, beside the error that ended the run.
  if (lost.length > 0) console.error(`lost before the failure: ${[...new Set(lost)].slice(0, 5).join('; ')}`)
  throw err
} finally {
  await Promise.all(memberProcs.map((m) => m.kill()))
  await sender?.close()
  await cluster.stop()
}
