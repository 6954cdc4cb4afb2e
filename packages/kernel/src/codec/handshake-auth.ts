import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { CodecBadOptions, CodecDecryptFailed } from './errors.js'

// Server authentication of the X25519 handshake and the sealed resume token
// (docs/protocol.md, "Server authentication"). The server signs, with a
// long-term Ed25519 key whose public half clients are built with, a
// transcript binding the client's whole Handshake to its own ephemeral key,
// nonce and choices; a man in the middle can neither substitute its key nor
// replay an old answer (the client's nonce and key are fresh each time).
// Sign and verify `handshakeTranscript(handshakeDigest(body), fields)`.

/** HKDF info of the key that seals HandshakeOk.resume_token_sealed. */
export const RESUME_TOKEN_INFO = 'tessera/1 resume token'
export const SIGNING_KEY_ID_BYTES = 8

// The transcript's layout is @tessera/wire's handshakeTranscript, shared with
// the client SDK that verifies it; this module hashes, signs and verifies.

/** SHA-256 of the Handshake body exactly as received: taken when it arrives (the read buffer is reused). */
export function handshakeDigest(handshakeBody: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(handshakeBody).digest())
}

/** A server's long-term signing key and its id. */
export interface SigningKey {
  readonly privateKey: KeyObject
  /** Raw 32-byte Ed25519 public key (what clients pin). */
  readonly publicKey: Uint8Array
  readonly keyId: Uint8Array
}

/** Load an Ed25519 private key (PKCS#8 PEM, or a KeyObject). */
export function loadSigningKey(key: string | Buffer | KeyObject): SigningKey {
  let privateKey: KeyObject
  try {
    privateKey = key instanceof KeyObject ? key : createPrivateKey(key)
  } catch (err) {
    throw CodecBadOptions.with({ cause: err }, `signing key: ${(err as Error).message}`)
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new CodecBadOptions(`signing key is ${privateKey.asymmetricKeyType}, want ed25519`)
  const publicKey = rawEd25519Public(createPublicKey(privateKey))
  return { privateKey, publicKey, keyId: signingKeyId(publicKey) }
}

export function rawEd25519Public(k: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url'))
}

/** First 8 bytes of SHA-256 of the raw public key. */
export function signingKeyId(rawPublic: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(rawPublic).digest().subarray(0, SIGNING_KEY_ID_BYTES))
}

export function signTranscript(key: SigningKey, transcript: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, transcript, key.privateKey))
}

/** Check a signature against a raw Ed25519 public key (tests and Node clients). */
export function verifyTranscript(
  rawPublic: Uint8Array,
  transcript: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(rawPublic).toString('base64url') },
    format: 'jwk',
  })
  return verify(null, transcript, key, signature)
}

/** The key sealing the resume token: HKDF-SHA256(shared, client nonce ‖ server nonce, "tessera/1 resume token"). */
export function resumeTokenKey(secret: Uint8Array, clientNonce: Uint8Array, serverNonce: Uint8Array): Buffer {
  return Buffer.from(
    hkdfSync('sha256', secret, Buffer.concat([clientNonce, serverNonce]), RESUME_TOKEN_INFO, 32),
  )
}

// The key seals exactly one message, so a fixed all-zero nonce is safe.
const ZERO_NONCE = Buffer.alloc(12)

/** AES-256-GCM(key, nonce 0, no AAD) of the UTF-8 token: ciphertext ‖ 16-byte tag. */
export function sealResumeToken(key: Uint8Array, token: string): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, ZERO_NONCE, { authTagLength: 16 })
  return new Uint8Array(Buffer.concat([c.update(token, 'utf8'), c.final(), c.getAuthTag()]))
}

export function openResumeToken(key: Uint8Array, sealed: Uint8Array): string {
  if (sealed.length < 16) throw new CodecDecryptFailed('sealed resume token too short')
  try {
    const d = createDecipheriv('aes-256-gcm', key, ZERO_NONCE, { authTagLength: 16 })
    d.setAuthTag(sealed.subarray(sealed.length - 16))
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]).toString('utf8')
  } catch (err) {
    throw CodecDecryptFailed.with({ cause: err }, 'resume token did not open')
  }
}
