// The bytes a server signs to authenticate its handshake answer
// (docs/protocol.md, "Server authentication"). One layout for both halves:
// the kernel builds it to sign (node:crypto), the client SDK to verify
// (WebCrypto). Pure byte building, no hashing: each side hashes the
// Handshake with its own crypto and passes the digest in.

/** Domain separation: the transcript starts with these ASCII bytes and a 0x00. */
export const SIGNATURE_CONTEXT = 'tessera/1 handshake signature'

/** The HandshakeOk fields the signature covers, besides the client's Handshake bytes. */
export interface TranscriptFields {
  keyPublic: Uint8Array
  nonce: Uint8Array
  encryption: number
  compression: number
  sealAll: boolean
  resumed: boolean
  lastReceivedSeq: bigint
  sessionId: string
}

const CONTEXT_BYTES = new TextEncoder().encode(SIGNATURE_CONTEXT)

/**
 * transcript = "tessera/1 handshake signature" ‖ 0x00
 *            ‖ SHA-256(Handshake body, the exact bytes the client sent) (handshakeDigest)
 *            ‖ u8 len ‖ key_public ‖ u8 len ‖ nonce
 *            ‖ u8 encryption ‖ u8 compression ‖ u8 seal_all ‖ u8 resumed
 *            ‖ u64 BE last_received_seq ‖ u16 BE len ‖ session_id (UTF-8)
 *
 * Throws RangeError when the digest is not 32 bytes or a field is too long
 * for its length prefix.
 */
export function handshakeTranscript(handshakeDigest: Uint8Array, f: TranscriptFields): Uint8Array {
  if (handshakeDigest.length !== 32) throw new RangeError('handshake digest must be 32 bytes')
  const sid = new TextEncoder().encode(f.sessionId)
  if (f.keyPublic.length > 255 || f.nonce.length > 255 || sid.length > 0xffff)
    throw new RangeError('handshake field too long to sign')
  const out = new Uint8Array(
    CONTEXT_BYTES.length + 1 + 32 + 1 + f.keyPublic.length + 1 + f.nonce.length + 4 + 8 + 2 + sid.length,
  )
  const v = new DataView(out.buffer)
  out.set(CONTEXT_BYTES, 0)
  let o = CONTEXT_BYTES.length
  out[o++] = 0
  out.set(handshakeDigest, o)
  o += 32
  out[o++] = f.keyPublic.length
  out.set(f.keyPublic, o)
  o += f.keyPublic.length
  out[o++] = f.nonce.length
  out.set(f.nonce, o)
  o += f.nonce.length
  out[o++] = f.encryption & 0xff
  out[o++] = f.compression & 0xff
  out[o++] = f.sealAll ? 1 : 0
  out[o++] = f.resumed ? 1 : 0
  v.setBigUint64(o, f.lastReceivedSeq)
  o += 8
  v.setUint16(o, sid.length)
  o += 2
  out.set(sid, o)
  return out
}
