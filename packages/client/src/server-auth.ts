import { type HandshakeOk, handshakeTranscript } from '@tessera/protocol/client'

// Server authentication of the handshake with WebCrypto (docs/protocol.md,
// "Server authentication"): the server signs, with its long-term Ed25519
// key, a transcript of this connection's Handshake and its own answer; the
// client is built with the public key(s) it accepts (two during a key
// rollover) and refuses any answer not signed by one of them.

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new Error('WebCrypto is not available')
  return s
}

/** Parse pinned keys: 64 hex digits each (the raw 32-byte Ed25519 public key). */
export function parsePinnedKeys(keys: readonly string[]): Uint8Array[] {
  return keys.map((k) => {
    if (!/^[0-9a-fA-F]{64}$/.test(k)) throw new Error(`pinned server key ${k} is not 64 hex digits`)
    const out = new Uint8Array(32)
    for (let i = 0; i < 32; i++) out[i] = Number.parseInt(k.slice(i * 2, i * 2 + 2), 16)
    return out
  })
}

/** True when this runtime's WebCrypto verifies Ed25519 (Chromium 137+, Node 20, Firefox 129+, Safari 17+). */
export async function webCryptoSupportsEd25519(): Promise<boolean> {
  try {
    await subtle().importKey('raw', new Uint8Array(32).fill(1) as BufferSource, { name: 'Ed25519' }, false, [
      'verify',
    ])
    return true
  } catch {
    return false
  }
}

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', b as BufferSource))
}

/**
 * The bytes the server signed: the wire package's transcript layout (the
 * one the kernel signs) over the SHA-256 of the Handshake as sent.
 */
export async function transcriptOf(handshakeBytes: Uint8Array, ok: HandshakeOk): Promise<Uint8Array> {
  return handshakeTranscript(await sha256(handshakeBytes), ok)
}

async function keyId(raw: Uint8Array): Promise<Uint8Array> {
  return (await sha256(raw)).subarray(0, 8)
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Why the answer is not from a pinned server, or null when its signature
 * checks out under one of `pins`.
 */
export async function checkServerSignature(
  pins: readonly Uint8Array[],
  handshakeBytes: Uint8Array,
  ok: HandshakeOk,
): Promise<string | null> {
  if (ok.signature.length === 0) return 'the server did not sign its handshake'
  if (!ok.sealAll) return 'the server did not agree to seal every frame'
  const transcript = await transcriptOf(handshakeBytes, ok)
  let named = false
  for (const pin of pins) {
    // The key id says which pinned key signed; without a match no pin is tried.
    if (!same(await keyId(pin), ok.signingKeyId)) continue
    named = true
    const key = await subtle().importKey('raw', pin as BufferSource, { name: 'Ed25519' }, false, ['verify'])
    if (
      await subtle().verify(
        { name: 'Ed25519' },
        key,
        ok.signature as BufferSource,
        transcript as BufferSource,
      )
    )
      return null
  }
  return named
    ? 'the handshake signature does not verify (a man in the middle, or a replayed answer)'
    : 'the handshake is signed by a key this client does not pin'
}
