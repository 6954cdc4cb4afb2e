import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pb from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { goldenCases } from './fixtures/golden-cases.js'
import {
  ChatPush,
  ChatSegment,
  Echo,
  Gender,
  Handshake,
  MAX_DEPTH,
  Profile,
  ProfileSet,
  ProfileSetRes,
  ProtoWireError,
  VersionStage,
} from './index.js'

const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url))

/** protobufjs reflection over the same .proto files: an independent codec to compare with. */
function reflection(): pb.Root {
  const pbDir = path.dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'))
  const root = new pb.Root()
  root.resolvePath = (_o, t) =>
    t.startsWith('google/protobuf/') ? path.join(pbDir, t) : path.join(protoDir, t)
  root.loadSync(['game/chat.proto', 'game/echo.proto', 'game/profile.proto', 'tessera/control.proto'], {
    keepCase: false,
  })
  return root
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

const profile = (): Profile =>
  Profile.create({
    userId: 7_205_759_403_792_793_607n, // a snowflake past 2^53
    nickname: 'Ærwyn 🐉',
    level: 42,
    gold: -123_456_789_012n,
    gender: Gender.GENDER_OTHER,
    iconIds: [1, 300, 70000],
    rating: 1523.25,
    lastResetMs: 18_446_744_073_709_551_615n, // max fixed64
    motto: '',
  })

describe('generated codecs', () => {
  const root = reflection()

  it('round-trip every field kind, 64-bit values exactly', () => {
    const p = profile()
    const back = Profile.decode(Profile.encode(p))
    expect(back).toEqual(p)
    expect(typeof back.userId).toBe('bigint')
  })

  it('produce the same bytes as protobufjs reflection and read its bytes', () => {
    const T = root.lookupType('game.Profile')
    const p = profile()
    const ours = Profile.encode(p)
    const theirs = T.decode(ours).toJSON()
    expect(theirs).toMatchObject({
      userId: '7205759403792793607',
      nickname: 'Ærwyn 🐉',
      gold: '-123456789012',
      iconIds: [1, 300, 70000],
      lastResetMs: '18446744073709551615',
      motto: '',
    })
    const reencoded = T.encode(T.fromObject(theirs)).finish()
    expect(hex(reencoded)).toBe(hex(ours))
    expect(Profile.decode(reencoded)).toEqual(p)
  })

  it('covers signed and unsigned 64-bit edges', () => {
    const T = root.lookupType('game.Profile')
    for (const v of [1n, -1n, 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const p = Profile.create({ userId: v, gold: v })
      const bytes = Profile.encode(p)
      const back = Profile.decode(bytes)
      expect(back.userId).toBe(v)
      expect(back.gold).toBe(v)
      expect(T.decode(bytes).toJSON()).toMatchObject({ userId: v.toString(), gold: v.toString() })
    }
  })

  it('keep proto3 presence: unset optional fields stay undefined, set-to-default ones are sent', () => {
    expect(ProfileSet.encode(ProfileSet.create()).length).toBe(0)
    const set = ProfileSet.decode(ProfileSet.encode({ nickname: '', gender: Gender.GENDER_UNSPECIFIED }))
    expect(set).toEqual({ nickname: '', gender: 0, motto: undefined })
    expect('nickname' in set && set.nickname === '').toBe(true)
  })

  it('omit default values (proto3 implicit presence)', () => {
    expect(Echo.encode(Echo.create()).length).toBe(0)
    expect(Echo.decode(new Uint8Array(0))).toEqual(Echo.create())
  })

  it('skip unknown fields of every wire type', () => {
    const known = Echo.encode({ text: 'hi', payload: new Uint8Array([1]), seq: 2, sentAtMs: 3n })
    // field 15 varint, field 16 fixed64, field 17 bytes, field 18 fixed32, field 19 a group with a varint inside
    const unknown = Buffer.from(
      '78 96 01 81 01 0102030405060708 8a 01 03 616263 95 01 01020304 9b 01 08 01 9c 01'.replace(/ /g, ''),
      'hex',
    )
    const mixed = Buffer.concat([unknown.subarray(0, 3), known, unknown.subarray(3)])
    expect(Echo.decode(mixed)).toEqual(Echo.decode(known))
  })

  it('accept packed and unpacked repeated scalars', () => {
    const packed = Profile.encode(Profile.create({ iconIds: [5, 6] }))
    expect(hex(packed)).toBe('32020506')
    expect(Profile.decode(Buffer.from('30053006', 'hex')).iconIds).toEqual([5, 6])
  })

  it('copy bytes fields out of the input buffer', () => {
    const input = Buffer.from(
      Echo.encode({ text: '', payload: new Uint8Array([9, 9, 9]), seq: 0, sentAtMs: 0n }),
    )
    const e = Echo.decode(input)
    input.fill(0)
    expect([...e.payload]).toEqual([9, 9, 9])
    expect(e.payload).toBeInstanceOf(Uint8Array)
  })

  it('carry nested messages and enums', () => {
    const h = Handshake.create({
      version: { major: 1, minor: 2, revision: 3, stage: VersionStage.STAGE_BETA },
      resume: { resumeToken: 'tok', lastReceivedSeq: 99n },
      compression: [1],
      encryption: [1, 0],
    })
    expect(Handshake.decode(Handshake.encode(h))).toEqual(h)
  })

  it(`refuse nesting deeper than ${MAX_DEPTH} on decode and encode, without blowing the stack`, () => {
    const nest = (n: number): ChatSegment => {
      let s = ChatSegment.create({ text: 'leaf' })
      for (let i = 0; i < n; i++) s = ChatSegment.create({ children: [s] })
      return s
    }
    const ok = ChatPush.create({ rich: [nest(MAX_DEPTH - 2)] })
    expect(ChatPush.decode(ChatPush.encode(ok))).toEqual(ok)
    expect(() => ChatPush.encode(ChatPush.create({ rich: [nest(MAX_DEPTH + 5)] }))).toThrow(ProtoWireError)

    // Hand-built: 100,000 nested length prefixes (field 6 of ChatPush, then field 4 of ChatSegment).
    const depth = 100_000
    const parts: Buffer[] = []
    let len = 0
    for (let i = 0; i < depth; i++) {
      const tagByte = i === depth - 1 ? 0x32 : 0x22
      const lenBytes: number[] = []
      let v = len
      do {
        lenBytes.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0))
        v >>>= 7
      } while (v > 0)
      parts.push(Buffer.from([tagByte, ...lenBytes]))
      len += 1 + lenBytes.length
    }
    const bomb = Buffer.concat(parts.reverse())
    expect(() => ChatPush.decode(bomb)).toThrow(/nesting deeper than 64/)
  })

  it('refuse truncated and overlong bodies with errors, not garbage', () => {
    const bytes = Buffer.from(
      ChatPush.encode(ChatPush.create({ channel: 'world', text: 'hello', messageId: 5n })),
    )
    // cutting between two fields leaves a valid shorter message; cutting inside one must throw
    const boundaries = new Set([
      ChatPush.encode(ChatPush.create({ channel: 'world' })).length,
      ChatPush.encode(ChatPush.create({ channel: 'world', messageId: 5n })).length,
    ])
    for (let cut = 1; cut < bytes.length; cut++) {
      if (boundaries.has(cut)) expect(() => ChatPush.decode(bytes.subarray(0, cut))).not.toThrow()
      else expect(() => ChatPush.decode(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow()
    }
    expect(() => ChatPush.decode(Buffer.from('0a05776f72', 'hex'))).toThrow() // length 5, 3 bytes present
    expect(() => ChatPush.decode(Buffer.from('00', 'hex'))).toThrow(/field number 0/)
    expect(() => ChatPush.decode(Buffer.from('0c', 'hex'))).toThrow(/end-group/)
  })

  it('decodeRange and encodeScratch agree with decode and encode for every golden message', () => {
    for (const c of goldenCases) {
      const bytes = c.type.encode(c.message)
      // A scratch encode yields the same bytes, in place.
      const w = c.type.encodeScratch(c.message)
      expect(hex(w.buf.subarray(0, w.pos)), c.name).toBe(hex(bytes))
      w.release()
      // The body inside a larger chunk, as frames lie in a socket read.
      const chunk = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe]), bytes, Buffer.from([0x0a, 0x7f])])
      const plain = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
      for (const buf of [chunk, plain]) {
        const m = c.type.decodeRange(buf, 3, 3 + bytes.length)
        expect(hex(c.type.encode(m)), c.name).toBe(hex(bytes))
      }
    }
  })

  it('decodeRange refuses a range cut inside a field even when the buffer continues', () => {
    const bytes = ChatPush.encode(ChatPush.create({ channel: 'world', text: 'hello', messageId: 5n }))
    const chunk = Buffer.concat([bytes, Buffer.alloc(32, 0x61)])
    expect(() => ChatPush.decodeRange(chunk, 0, 3)).toThrow(ProtoWireError)
  })

  it('encodeInto writes the same bytes into a caller buffer, and says -1 when they do not fit', () => {
    for (const c of goldenCases) {
      const bytes = c.type.encode(c.message)
      // Room to spare: the writer reserves worst-case sizes (5-byte varints, 3 bytes a UTF-16 unit).
      const target = new Uint8Array(7 + bytes.length * 3 + 16).fill(0xee)
      const end = c.type.encodeInto(c.message, target, 7)
      expect(end, c.name).toBe(7 + bytes.length)
      expect(hex(target.subarray(7, end)), c.name).toBe(hex(bytes))
      expect(target[6]).toBe(0xee)
      // Too small for sure: refused, and the next encode (scratch or not) is unaffected.
      if (bytes.length > 0) {
        expect(c.type.encodeInto(c.message, new Uint8Array(3 + bytes.length - 1), 3), c.name).toBe(-1)
        expect(hex(c.type.encode(c.message)), c.name).toBe(hex(bytes))
      }
    }
    // A nested body of 128+ bytes shifts within the caller's buffer on ldelim().
    const big = ProfileSetRes.create({ profile: profile() })
    for (let i = 0; i < 40; i++) big.profile!.iconIds.push(1_000_000 + i)
    const want = ProfileSetRes.encode(big)
    const t = new Uint8Array(1 + want.length * 3)
    expect(ProfileSetRes.encodeInto(big, t, 1)).toBe(want.length + 1)
    expect(hex(t.subarray(1, 1 + want.length))).toBe(hex(want))
  })
})
