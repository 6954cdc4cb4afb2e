import { FrameFlag } from '@tessera/wire'
import pb from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { createSessionCipher } from './encryption.js'
import { generateKeyPair, generateNonce } from './key-agreement.js'
import { type BodyRegistry, type BodyType, MessageCodec } from './message-codec.js'

// A registry built with protobufjs reflection: a real protobuf codec
// independent of @tessera/protocol's generated one (which has its own
// pipeline tests in packages/protocol).
const root = pb.Root.fromJSON({
  nested: {
    t: {
      nested: {
        Say: { fields: { text: { type: 'string', id: 1 }, n: { type: 'uint32', id: 2 } } },
        Secret: { fields: { token: { type: 'string', id: 1 } } },
        Internal: { fields: { x: { type: 'uint32', id: 1 } } },
        ErrorReply: { fields: { code: { type: 'int32', id: 1 }, name: { type: 'string', id: 2 } } },
      },
    },
  },
})

function bodyType(
  name: string,
  flags: Partial<Pick<BodyType, 'noLogReq' | 'noLogRes' | 'serverOnly'>> = {},
): BodyType {
  const t = root.lookupType(`t.${name}`)
  return {
    name: `t.${name}`,
    noLogReq: false,
    noLogRes: false,
    serverOnly: false,
    ...flags,
    encode: (m) => {
      const bad = t.verify(m as Record<string, unknown>)
      if (bad) throw new TypeError(bad)
      return t.encode(t.fromObject(m as Record<string, unknown>)).finish()
    },
    decode: (b) => t.toObject(t.decode(b), { defaults: true }),
  }
}

const types = new Map<number, BodyType>([
  [1000, bodyType('Say')],
  [1001, bodyType('Secret', { noLogReq: true })],
  [1002, bodyType('Internal', { serverOnly: true })],
])
const registry: BodyRegistry = { get: (id) => types.get(id), errorReply: bodyType('ErrorReply') }

interface Map_ {
  1000: { text: string; n: number }
  1001: { token: string }
  1002: { x: number }
}

function ciphers() {
  const ck = generateKeyPair()
  const sk = generateKeyPair()
  const clientNonce = generateNonce()
  const serverNonce = generateNonce()
  return {
    client: createSessionCipher({
      role: 'client',
      keyPair: ck,
      peerPublicKey: sk.publicKey,
      clientNonce,
      serverNonce,
    }),
    server: createSessionCipher({
      role: 'server',
      keyPair: sk,
      peerPublicKey: ck.publicKey,
      clientNonce,
      serverNonce,
    }),
  }
}

const code = (c: string) => expect.objectContaining({ code: c })

describe('MessageCodec', () => {
  const codec = new MessageCodec<Map_>({ registry, compression: { threshold: 64 } })

  it('round-trips a small message without touching it', () => {
    const { flags, body } = codec.encode(1000, { text: 'hi', n: 3 }, 5)
    expect(flags).toBe(0)
    expect(Buffer.from(body).toString('hex')).toBe('0a0268691003')
    expect(codec.decode(flags, 1000, 5, body)).toEqual({ text: 'hi', n: 3 })
  })

  it('compresses above the threshold and keeps the caller flags', () => {
    const text = 'abc'.repeat(100)
    const { flags, body } = codec.encode(1000, { text, n: 1 }, 9, 0x04 | 0x10)
    expect(flags).toBe(0x04 | 0x10 | FrameFlag.COMPRESSED)
    expect(body.length).toBeLessThan(60)
    expect(codec.decode(flags, 1000, 9, body)).toEqual({ text, n: 1 })
  })

  it('compresses, then encrypts; decrypts, then inflates', async () => {
    const { client, server } = ciphers()
    const text = 'xyz'.repeat(200)
    const { flags, body } = codec.encode(1000, { text, n: 2 }, 1, 0, client)
    expect(flags).toBe(FrameFlag.COMPRESSED | FrameFlag.ENCRYPTED)
    expect(codec.decode(flags, 1000, 1, body, server)).toEqual({ text, n: 2 })
    const small = codec.encode(1000, { text: 'a', n: 0 }, 2, 0, server)
    expect(small.flags).toBe(FrameFlag.ENCRYPTED)
    expect(codec.decode(small.flags, 1000, 2, small.body, client)).toEqual({ text: 'a', n: 0 })
    const big = await codec.encodeAsync(1000, { text, n: 3 }, 3, 0, client)
    expect(await codec.decodeAsync(big.flags, 1000, 3, big.body, server)).toEqual({ text, n: 3 })
  })

  it('authenticates the header: a changed msgId, reqId or flag fails', () => {
    const { client, server } = ciphers()
    const { flags, body } = codec.encode(1000, { text: 'hi', n: 1 }, 7, 0, client)
    expect(() => codec.decode(flags, 1001, 7, body, server)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(() => codec.decode(flags, 1000, 8, body, server)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(() => codec.decode(flags | 0x04, 1000, 7, body, server)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(codec.decode(flags, 1000, 7, body, server)).toEqual({ text: 'hi', n: 1 })
  })

  it('refuses encrypted frames without a key and plaintext frames with one', () => {
    const { client, server } = ciphers()
    const sealed = codec.encode(1000, { text: 'hi', n: 1 }, 1, 0, client)
    expect(() => codec.decode(sealed.flags, 1000, 1, sealed.body)).toThrow(code('CODEC_NO_CIPHER'))
    const plain = codec.encode(1000, { text: 'hi', n: 1 }, 1)
    expect(() => codec.decode(plain.flags, 1000, 1, plain.body, server)).toThrow(
      code('CODEC_PLAINTEXT_REFUSED'),
    )
  })

  it('reports unknown ids, bad bodies and bad compression with CODEC_ codes', () => {
    expect(() => codec.decode(0, 4242, 0, new Uint8Array([8, 1]))).toThrow(code('CODEC_UNKNOWN_MESSAGE'))
    expect(() => codec.decode(0, 1000, 0, new Uint8Array([0x0a, 0x05, 0x61]))).toThrow(code('CODEC_BAD_BODY'))
    expect(() => codec.decode(FrameFlag.COMPRESSED, 1000, 0, new Uint8Array([1, 2, 3]))).toThrow(
      code('CODEC_INFLATE_FAILED'),
    )
    expect(() => codec.encode(1000, { text: 5 as unknown as string, n: 1 })).toThrow(
      code('CODEC_ENCODE_FAILED'),
    )
  })

  it('refuses server-only messages when told to', () => {
    const clientFacing = new MessageCodec<Map_>({ registry, refuseServerOnly: true })
    const { flags, body } = codec.encode(1002, { x: 1 })
    expect(codec.decode(flags, 1002, 0, body)).toEqual({ x: 1 })
    expect(() => clientFacing.decode(flags, 1002, 0, body)).toThrow(code('CODEC_UNKNOWN_MESSAGE'))
  })

  it('carries ErrorReply bodies in ERROR frames under the failed request id', () => {
    const { flags, body } = codec.encodeError(1000, 12, { code: 8, name: 'WIRE_UNKNOWN_MESSAGE' })
    expect(flags).toBe(0x04 | FrameFlag.ERROR)
    expect(codec.decode(flags, 1000, 12, body)).toEqual({ code: 8, name: 'WIRE_UNKNOWN_MESSAGE' })
    // even for an id the registry does not know
    const e = codec.encodeError(777, 1, { code: 8, name: 'X' })
    expect(codec.decode(e.flags, 777, 1, e.body)).toEqual({ code: 8, name: 'X' })
  })

  it('opens and reseals bodies for forwarding without parsing them', () => {
    const { client, server } = ciphers()
    const text = 'forward me '.repeat(20)
    const inbound = codec.encode(1000, { text, n: 4 }, 3, 0, client)
    const bytes = codec.open(inbound.flags, 1000, 3, inbound.body, server)
    const plainCodec = new MessageCodec<Map_>({ registry, compression: false })
    const outbound = plainCodec.seal(1000, 3, 0, bytes)
    expect(outbound.flags).toBe(0)
    expect(plainCodec.decode(outbound.flags, 1000, 3, outbound.body)).toEqual({ text, n: 4 })
  })

  it('answers the NoLog question per direction', () => {
    expect(codec.mayLogBody(0, 1000)).toBe(true)
    expect(codec.mayLogBody(0, 1001)).toBe(false)
    expect(codec.mayLogBody(0x04, 1001)).toBe(true)
    expect(codec.mayLogBody(0, 99999)).toBe(false)
  })
})
