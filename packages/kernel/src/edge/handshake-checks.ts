import { randomBytes } from 'node:crypto'
import { Compression, Encryption, type Handshake } from '@tessera/wire'
import {
  type CipherOptions,
  createSessionCipher,
  generateKeyPair,
  generateNonce,
  type SessionCipher,
} from '../codec/index.js'
import { Version } from '../id/index.js'
import { EdgeBadToken, EdgeNegotiationFailed, EdgeSchemaMismatch, EdgeVersionMismatch } from './errors.js'
import type { VerifyToken } from './hmac-token.js'
import { versionFromWire } from './version-check.js'

/** Version at least `min` and the same schema hash, or a refusal naming both sides. */
export function checkClient(hs: Handshake, min: Version, schemaHash: string): void {
  let v: Version
  try {
    v = versionFromWire(hs.version)
  } catch (err) {
    throw EdgeVersionMismatch.with({ cause: err }, 'unreadable', min.toString())
  }
  if (Version.compare(v, min) < 0) throw new EdgeVersionMismatch(v.toString(), min.toString())
  const hash = Buffer.from(hs.schemaHash).toString('hex')
  if (hash !== schemaHash)
    throw new EdgeSchemaMismatch(hash.slice(0, 12) || '(none)', schemaHash.slice(0, 12))
}

/** Pick compression and encryption from what the client offers and the server allows. */
export function negotiate(
  hs: Handshake,
  compressionOn: boolean,
  encryption: 'required' | 'optional' | 'off',
): { compress: boolean; encrypt: boolean } {
  const compress = compressionOn && hs.compression.includes(Compression.COMPRESSION_DEFLATE_RAW)
  const offered = hs.encryption.includes(Encryption.ENCRYPTION_X25519_AES_256_GCM)
  if (encryption === 'required' && !offered)
    throw new EdgeNegotiationFailed('this server requires encryption')
  return { compress, encrypt: offered && encryption !== 'off' }
}

/**
 * The user behind the login token; null when a resume carries no token (the
 * resume token alone then authenticates). Any failure is EDGE_BAD_TOKEN.
 */
export async function verifyLogin(hs: Handshake, verify: VerifyToken): Promise<bigint | string | null> {
  if (hs.token === '' && hs.resume !== undefined) return null
  try {
    return (await verify(hs.token)).userId
  } catch (err) {
    if (EdgeBadToken.is(err)) throw err
    throw EdgeBadToken.with({ cause: err }, 'not valid')
  }
}

/** The server's half of the key agreement and the session cipher (null without encryption). */
export function serverKeys(
  hs: Handshake,
  encrypt: boolean,
  options: Partial<CipherOptions>,
): { cipher: SessionCipher | null; keyPublic: Uint8Array; nonce: Uint8Array } {
  if (!encrypt) return { cipher: null, keyPublic: new Uint8Array(0), nonce: new Uint8Array(randomBytes(32)) }
  const nonce = generateNonce()
  const pair = generateKeyPair()
  try {
    const cipher = createSessionCipher({
      role: 'server',
      keyPair: pair,
      peerPublicKey: hs.keyPublic,
      clientNonce: hs.nonce,
      serverNonce: nonce,
      options,
    })
    return { cipher, keyPublic: pair.publicKey, nonce }
  } catch (err) {
    throw EdgeNegotiationFailed.with({ cause: err }, (err as Error).message)
  }
}
