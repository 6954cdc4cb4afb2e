import { createHash, generateKeyPairSync } from 'node:crypto'
import { checkServerSignature, transcriptOf } from '@tessera/client'
import {
  handshakeDigest,
  handshakeTranscript as kernelTranscript,
  loadSigningKey,
  signTranscript,
} from '@tessera/kernel'
import { Encryption, HandshakeOk } from '@tessera/protocol'
import { handshakeTranscript } from '@tessera/wire'
import { describe, expect, it } from 'vitest'

// The transcript of docs/protocol.md §6.7 has one layout, @tessera/wire's
// handshakeTranscript: the kernel signs it (digest by node:crypto) and the
// SDK verifies it (digest by WebCrypto). The golden bytes below pin the
// layout: changing it breaks every pinned client in the field, so it must
// be a deliberate protocol change (a new SIGNATURE_CONTEXT), not an edit.
describe('handshake signature transcript', () => {
  const hsBody = new Uint8Array([0x0a, 0x02, 0x08, 0x01, 0x52, 0x01, 0x01])
  const ok = HandshakeOk.create({
    sessionId: 'sess-é',
    keyPublic: new Uint8Array(32).fill(3),
    nonce: new Uint8Array(32).fill(4),
    encryption: 1,
    compression: 1,
    sealAll: true,
    resumed: true,
    lastReceivedSeq: 0x0102030405n,
  })
  // "tessera/1 handshake signature" 00 ‖ sha256(hsBody) ‖ 20 key ‖ 20 nonce ‖ 01 01 01 01
  // ‖ u64 BE 0x0102030405 ‖ u16 BE 7 ‖ "sess-é"
  const GOLDEN = [
    '746573736572612f312068616e647368616b65207369676e617475726500033e',
    '0b2ce1f454e01de9daa09bd5c6c65e7517fd6238c1850f50bce8afb848082003',
    '0303030303030303030303030303030303030303030303030303030303030320',
    '0404040404040404040404040404040404040404040404040404040404040404',
    '0101010100000001020304050007736573732dc3a9',
  ].join('')
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

  it('lays out the golden bytes, built by hand from the doc table', () => {
    const sid = Buffer.from('sess-é', 'utf8')
    const byHand = Buffer.concat([
      Buffer.from('tessera/1 handshake signature\0', 'ascii'),
      createHash('sha256').update(hsBody).digest(),
      Buffer.from([32]),
      Buffer.alloc(32, 3),
      Buffer.from([32]),
      Buffer.alloc(32, 4),
      Buffer.from([1, 1, 1, 1]),
      Buffer.from([0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05]),
      Buffer.from([0, sid.length]),
      sid,
    ])
    expect(byHand.toString('hex')).toBe(GOLDEN)
    expect(hex(handshakeTranscript(handshakeDigest(hsBody), ok))).toBe(GOLDEN)
  })

  it('gives the signing half (kernel) and the verifying half (SDK) the one layout', async () => {
    // The kernel signs with the wire's function itself, not a copy of it.
    expect(kernelTranscript).toBe(handshakeTranscript)
    // The SDK hashes with WebCrypto, then lays out the same bytes.
    expect(hex(await transcriptOf(hsBody, ok))).toBe(GOLDEN)
  })

  it('refuses a digest of the wrong size and fields too long for their length prefix', () => {
    const digest = handshakeDigest(hsBody)
    expect(() => handshakeTranscript(digest.subarray(0, 31), ok)).toThrow(RangeError)
    expect(() => handshakeTranscript(digest, { ...ok, nonce: new Uint8Array(256) })).toThrow(RangeError)
    expect(() => handshakeTranscript(digest, { ...ok, sessionId: 'x'.repeat(0x10000) })).toThrow(RangeError)
  })

  it('verifies in the SDK what the kernel signed, and nothing after a changed byte', async () => {
    const key = loadSigningKey(generateKeyPairSync('ed25519').privateKey)
    const signed = {
      ...ok,
      signature: signTranscript(key, kernelTranscript(handshakeDigest(hsBody), ok)),
      signingKeyId: key.keyId,
    }
    expect(await checkServerSignature([key.publicKey], hsBody, signed)).toBeNull()
    const changes: Partial<HandshakeOk>[] = [
      { lastReceivedSeq: 0x0102030404n },
      { resumed: false },
      { encryption: Encryption.ENCRYPTION_NONE },
      { compression: 0 },
      { keyPublic: new Uint8Array(32).fill(5) },
      { nonce: new Uint8Array(32).fill(5) },
      { sessionId: 'other' },
    ]
    for (const change of changes)
      expect(await checkServerSignature([key.publicKey], hsBody, { ...signed, ...change })).toMatch(
        /does not verify/,
      )
    const otherBody = hsBody.slice()
    otherBody[1] = 3
    expect(await checkServerSignature([key.publicKey], otherBody, signed)).toMatch(/does not verify/)
  })
})
