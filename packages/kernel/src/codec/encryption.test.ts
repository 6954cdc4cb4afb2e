import { createDecipheriv, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import {
  type CipherOptions,
  createSessionCipher,
  frameAad,
  SEALED_OVERHEAD,
  type SessionCipher,
} from './encryption.js'
import { generateKeyPair, generateNonce, type KeyPair } from './key-agreement.js'

function pair(options: Partial<CipherOptions> = {}) {
  const clock = new ManualClock()
  const ck = generateKeyPair()
  const sk = generateKeyPair()
  const clientNonce = generateNonce()
  const serverNonce = generateNonce()
  const opts = { clock, ...options }
  const client = createSessionCipher({
    role: 'client',
    keyPair: ck,
    peerPublicKey: sk.publicKey,
    clientNonce,
    serverNonce,
    options: opts,
  })
  const server = createSessionCipher({
    role: 'server',
    keyPair: sk,
    peerPublicKey: ck.publicKey,
    clientNonce,
    serverNonce,
    options: opts,
  })
  return { clock, client, server, ck, sk, clientNonce, serverNonce }
}

const aad = frameAad(0x02, 1000, 7)
const msg = (s: string) => Buffer.from(s)
const code = (c: string) => expect.objectContaining({ code: c })

describe('SessionCipher', () => {
  it('round-trips both ways and adds exactly SEALED_OVERHEAD bytes', () => {
    const { client, server } = pair()
    const a = client.seal(aad, msg('hello server'))
    expect(a.length).toBe(SEALED_OVERHEAD + 12)
    expect(server.open(aad, a).toString()).toBe('hello server')
    const b = server.seal(aad, msg('hello client'))
    expect(client.open(aad, b).toString()).toBe('hello client')
    expect(server.open(aad, client.seal(aad, new Uint8Array(0))).length).toBe(0)
  })

  it('matches the spec in docs/protocol.md, re-implemented here with plain node:crypto', () => {
    const { client, ck, sk, clientNonce, serverNonce } = pair()
    client.seal(aad, msg('first')) // counter 0
    const sealed = client.seal(aad, msg('second')) // counter 1
    const jwk = (k: KeyPair) =>
      createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(k.publicKey).toString('base64url') },
        format: 'jwk',
      })
    const shared = diffieHellman({ privateKey: sk.privateKey, publicKey: jwk(ck) })
    const hk = (ikm: Uint8Array, salt: Uint8Array, info: string) =>
      Buffer.from(hkdfSync('sha256', ikm, salt, info, 32))
    const chain0 = hk(shared, Buffer.concat([clientNonce, serverNonce]), 'tessera/1 chain c2s')
    const key0 = hk(chain0, Buffer.alloc(0), 'tessera/1 key')
    expect(sealed[0]).toBe(0) // epoch
    expect(sealed.readBigUInt64BE(1)).toBe(1n) // counter
    const nonce = Buffer.concat([Buffer.from([0, 0, 0, 0]), sealed.subarray(1, 9)])
    const d = createDecipheriv('aes-256-gcm', key0, nonce, { authTagLength: 16 })
    d.setAAD(aad)
    d.setAuthTag(sealed.subarray(sealed.length - 16))
    expect(Buffer.concat([d.update(sealed.subarray(9, sealed.length - 16)), d.final()]).toString()).toBe(
      'second',
    )
    // epoch 1's key comes from the next chain key
    const key1 = hk(hk(chain0, Buffer.alloc(0), 'tessera/1 next'), Buffer.alloc(0), 'tessera/1 key')
    expect(key1.equals(key0)).toBe(false)
  })

  it('detects tampering with any part of the sealed body or the header', () => {
    const { client, server } = pair()
    const sealed = client.seal(aad, msg('pay 10 gold'))
    for (const i of [0, 1, 8, 9, 12, sealed.length - 1]) {
      const bad = Buffer.from(sealed)
      bad[i]! ^= 0x01
      expect(() => server.open(aad, bad), `byte ${i}`).toThrow(code('CODEC_DECRYPT_FAILED'))
    }
    expect(() => server.open(frameAad(0x02, 1001, 7), sealed)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(() => server.open(frameAad(0x03, 1000, 7), sealed)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(() => server.open(aad, sealed.subarray(0, 20))).toThrow(code('CODEC_DECRYPT_FAILED'))
    // a frame for the other direction does not open either (different chain and nonce)
    expect(() => client.open(aad, client.seal(aad, msg('x')))).toThrow(code('CODEC_DECRYPT_FAILED'))
    // the untouched frame still opens: failures left no state behind
    expect(server.open(aad, sealed).toString()).toBe('pay 10 gold')
  })

  it('refuses replays, accepts reordering inside the window', () => {
    const { client, server } = pair()
    const frames = Array.from({ length: 40 }, (_, i) => client.seal(aad, msg(`m${i}`)))
    expect(server.open(aad, frames[0]!).toString()).toBe('m0')
    expect(() => server.open(aad, frames[0]!)).toThrow(code('CODEC_REPLAY'))
    expect(server.open(aad, frames[5]!).toString()).toBe('m5')
    expect(server.open(aad, frames[3]!).toString()).toBe('m3') // late but inside the window
    expect(() => server.open(aad, frames[3]!)).toThrow(code('CODEC_REPLAY'))
    expect(server.open(aad, frames[39]!).toString()).toBe('m39')
    expect(() => server.open(aad, frames[4]!)).toThrow(code('CODEC_REPLAY')) // 35 behind: outside the window
    expect(server.open(aad, frames[20]!).toString()).toBe('m20')
  })

  it('never reuses a nonce: counters strictly increase across key rotations', () => {
    const { client, clock } = pair({ rotateMs: 1000 })
    const seen = new Set<string>()
    let last = -1n
    for (let i = 0; i < 2000; i++) {
      if (i % 7 === 0) clock.advance(1000)
      const s = client.seal(aad, msg('x'))
      const counter = s.readBigUInt64BE(1)
      expect(counter).toBeGreaterThan(last)
      last = counter
      const nonce = s.subarray(1, 9).toString('hex')
      expect(seen.has(nonce)).toBe(false)
      seen.add(nonce)
    }
    expect(client.sendEpoch).toBe(286) // rotated at i = 0, 7, ..., 1995
  })

  it('rotates keys on both sides with frames in flight, dropping none', () => {
    const { client, server, clock } = pair({ rotateMs: 60_000, graceMs: 5_000 })
    const up: Buffer[] = []
    const down: Buffer[] = []
    for (let round = 0; round < 5; round++) {
      // both sides seal a few frames, then time passes and they seal more under the next epoch
      for (let i = 0; i < 3; i++) {
        up.push(client.seal(aad, msg(`up ${round}.${i}`)))
        down.push(server.seal(aad, msg(`down ${round}.${i}`)))
      }
      clock.advance(60_000)
    }
    // frames of epoch e+1 arrive before the last frame of epoch e (priority lane overtaking)
    const swap = (xs: Buffer[]) => {
      for (let i = 3; i < xs.length; i += 3) [xs[i - 1], xs[i]] = [xs[i]!, xs[i - 1]!]
      return xs
    }
    const gotUp = swap(up).map((f) => server.open(aad, f).toString())
    const gotDown = swap(down).map((f) => client.open(aad, f).toString())
    expect(gotUp).toHaveLength(15)
    expect(new Set(gotUp).size).toBe(15)
    expect(new Set(gotDown).size).toBe(15)
    expect(client.sendEpoch).toBe(4)
    expect(server.recvEpoch).toBe(4)
    expect(client.recvEpoch).toBe(4)
  })

  it('forgets the previous epoch after the grace window', () => {
    const { client, server, clock } = pair({ rotateMs: 1000, graceMs: 500 })
    const old = client.seal(aad, msg('old'))
    const older = client.seal(aad, msg('older'))
    clock.advance(1000)
    const fresh = client.seal(aad, msg('fresh'))
    expect(server.open(aad, fresh).toString()).toBe('fresh')
    expect(server.open(aad, old).toString()).toBe('old') // within grace
    clock.advance(500)
    expect(() => server.open(aad, older)).toThrow(code('CODEC_DECRYPT_FAILED'))
  })

  it('moves one epoch per frame however long the sender was idle, past the 8-bit wrap', () => {
    const { client, server, clock } = pair({ rotateMs: 1000 })
    for (let i = 0; i < 300; i++) {
      clock.advance(1000 * 50)
      expect(server.open(aad, client.seal(aad, msg(`n${i}`))).toString()).toBe(`n${i}`)
    }
    expect(client.sendEpoch).toBe(300)
    expect(server.recvEpoch).toBe(300)
  })

  it('refuses a frame two epochs ahead and a forged epoch byte does not advance the chain', () => {
    const { client, server, clock } = pair({ rotateMs: 1000 })
    const e0 = client.seal(aad, msg('a'))
    const forged = Buffer.from(e0)
    forged[0] = 1
    expect(() => server.open(aad, forged)).toThrow(code('CODEC_DECRYPT_FAILED'))
    expect(server.recvEpoch).toBe(0)
    expect(server.open(aad, e0).toString()).toBe('a')
    clock.advance(1000)
    client.seal(aad, msg('lost')) // epoch 1, never delivered
    clock.advance(1000)
    expect(() => server.open(aad, client.seal(aad, msg('b')))).toThrow(/not current/)
  })

  it('rotates after maxFramesPerEpoch frames', () => {
    const { client, server } = pair({ maxFramesPerEpoch: 10 })
    for (let i = 0; i < 35; i++) server.open(aad, client.seal(aad, msg('x')))
    expect(client.sendEpoch).toBe(3)
    expect(server.recvEpoch).toBe(3)
  })

  it('keys from a different exchange do not open frames', () => {
    const a = pair()
    const b = pair()
    expect(() => b.server.open(aad, a.client.seal(aad, msg('x')))).toThrow(code('CODEC_DECRYPT_FAILED'))
  })

  it('refuses bad peer keys, short nonces and bad options', () => {
    const kp = generateKeyPair()
    const base = {
      role: 'client' as const,
      keyPair: kp,
      clientNonce: generateNonce(),
      serverNonce: generateNonce(),
    }
    expect(() => createSessionCipher({ ...base, peerPublicKey: new Uint8Array(31) })).toThrow(
      code('CODEC_KEY_EXCHANGE_FAILED'),
    )
    // all-zero public key is a low-order point
    expect(() => createSessionCipher({ ...base, peerPublicKey: new Uint8Array(32) })).toThrow(
      code('CODEC_KEY_EXCHANGE_FAILED'),
    )
    const peer = generateKeyPair().publicKey
    expect(() =>
      createSessionCipher({ ...base, peerPublicKey: peer, serverNonce: new Uint8Array(8) }),
    ).toThrow(/server nonce/)
    expect(() => createSessionCipher({ ...base, peerPublicKey: peer, options: { rotateMs: 10 } })).toThrow(
      code('CODEC_BAD_OPTIONS'),
    )
  })

  it('is unusable after destroy()', () => {
    const { client }: { client: SessionCipher } = pair()
    client.destroy()
    expect(() => client.seal(aad, msg('x'))).toThrow(/destroyed/)
  })
})
