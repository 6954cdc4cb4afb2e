import {
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { CodecKeyExchangeFailed } from './errors.js'

// Key agreement and the per-direction key chains (docs/protocol.md,
// "Encryption"): X25519 ECDH, then HKDF-SHA256 salted with both handshake
// nonces. Each direction has its own chain; epoch e's traffic key is
// derived from chain key e, and chain key e+1 from chain key e, so old keys
// cannot be recomputed from newer state (forward secrecy across epochs).

/** Info strings are part of the protocol: another implementation must use the same bytes. */
export const HKDF_INFO = Object.freeze({
  chainClientToServer: 'tessera/1 chain c2s',
  chainServerToClient: 'tessera/1 chain s2c',
  key: 'tessera/1 key',
  next: 'tessera/1 next',
})

/** Bytes each side puts in Handshake.nonce / HandshakeOk.nonce. */
export const NONCE_BYTES = 32
const MIN_NONCE_BYTES = 16
const X25519_RAW_BYTES = 32
const EMPTY = new Uint8Array(0)

export interface KeyPair {
  /** Raw 32-byte X25519 public key, as carried in the handshake. */
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

export function generateKeyPair(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519')
  const jwk = publicKey.export({ format: 'jwk' })
  return { publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')), privateKey }
}

export function generateNonce(): Uint8Array {
  return new Uint8Array(randomBytes(NONCE_BYTES))
}

/** X25519 shared secret with the peer's raw public key. */
export function sharedSecret(own: KeyPair, peerPublic: Uint8Array): Buffer {
  if (peerPublic.length !== X25519_RAW_BYTES)
    throw new CodecKeyExchangeFailed(
      `peer public key is ${peerPublic.length} bytes, want ${X25519_RAW_BYTES}`,
    )
  let secret: Buffer
  try {
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublic).toString('base64url') },
      format: 'jwk',
    })
    secret = diffieHellman({ privateKey: own.privateKey, publicKey })
  } catch (err) {
    throw CodecKeyExchangeFailed.with({ cause: err }, (err as Error).message)
  }
  // A low-order peer point yields all zeros: refuse it (RFC 7748 section 6.1).
  if (secret.every((b) => b === 0)) throw new CodecKeyExchangeFailed('peer public key is a low-order point')
  return secret
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32))
}

/** Chain keys of epoch 0 for both directions. */
export function initialChainKeys(
  secret: Uint8Array,
  clientNonce: Uint8Array,
  serverNonce: Uint8Array,
): { clientToServer: Buffer; serverToClient: Buffer } {
  for (const [who, n] of [
    ['client', clientNonce],
    ['server', serverNonce],
  ] as const)
    if (n.length < MIN_NONCE_BYTES)
      throw new CodecKeyExchangeFailed(`${who} nonce is ${n.length} bytes, want at least ${MIN_NONCE_BYTES}`)
  const salt = Buffer.concat([clientNonce, serverNonce])
  return {
    clientToServer: hkdf(secret, salt, HKDF_INFO.chainClientToServer),
    serverToClient: hkdf(secret, salt, HKDF_INFO.chainServerToClient),
  }
}

/** AES-256 key of the epoch whose chain key this is. */
export function trafficKey(chainKey: Uint8Array): Buffer {
  return hkdf(chainKey, EMPTY, HKDF_INFO.key)
}

/** Chain key of the following epoch. */
export function nextChainKey(chainKey: Uint8Array): Buffer {
  return hkdf(chainKey, EMPTY, HKDF_INFO.next)
}
