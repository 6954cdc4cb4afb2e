import { createHash, generateKeyPairSync } from 'node:crypto'
import { checkServerSignature, transcriptOf } from '@tessera/client'
import { handshakeDigest, handshakeTranscript, loadSigningKey, signTranscript } from '@tessera/kernel'
import { HandshakeOk } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'

// The transcript of docs/protocol.md §6.7 three ways: built by hand from the
// doc's table, by the kernel (which signs) and by the SDK (which verifies).
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

  it('is the same bytes in the doc, the kernel and the SDK', async () => {
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
    const kernel = handshakeTranscript(handshakeDigest(hsBody), ok)
    const sdk = await transcriptOf(hsBody, ok)
    expect(Buffer.from(kernel).toString('hex')).toBe(byHand.toString('hex'))
    expect(Buffer.from(sdk).toString('hex')).toBe(byHand.toString('hex'))
  })

  it('verifies in the SDK what the kernel signed, and nothing after a changed byte', async () => {
    const key = loadSigningKey(generateKeyPairSync('ed25519').privateKey)
    const signed = {
      ...ok,
      signature: signTranscript(key, handshakeTranscript(handshakeDigest(hsBody), ok)),
      signingKeyId: key.keyId,
    }
    expect(await checkServerSignature([key.publicKey], hsBody, signed)).toBeNull()
    for (const change of [
      { lastReceivedSeq: 0x0102030404n },
      { resumed: false },
      { nonce: new Uint8Array(32).fill(5) },
      { sessionId: 'other' },
    ])
      expect(await checkServerSignature([key.publicKey], hsBody, { ...signed, ...change })).toMatch(
        /does not verify/,
      )
    const otherBody = hsBody.slice()
    otherBody[1] = 3
    expect(await checkServerSignature([key.publicKey], otherBody, signed)).toMatch(/does not verify/)
  })
})
