import { randomBytes } from 'node:crypto'
import { Compression, Encryption, type Handshake, type HandshakeOk } from '@tessera/wire'
import {
  type CipherOptions,
  cipherSealer,
  createSessionKeys,
  generateKeyPair,
  generateNonce,
  handshakeTranscript,
  type SessionCipher,
  type SigningKey,
  sealResumeToken,
  signTranscript,
} from '../codec/index.js'
import { Version } from '../id/index.js'
import type { Session } from '../net/index.js'
import {
  EdgeBadToken,
  EdgeNegotiationFailed,
  EdgeSchemaMismatch,
  EdgeSealRequired,
  EdgeVersionMismatch,
} from './errors.js'
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

/**
 * What a port asks of a client's encryption: 'sealed' refuses any client that
 * does not negotiate encryption with seal_all (every frame authenticated,
 * control frames included: EDGE_SEAL_REQUIRED); 'required' refuses clients
 * without encryption; 'optional' uses it when offered; 'off' never does.
 */
export type EncryptionMode = 'sealed' | 'required' | 'optional' | 'off'
export const ENCRYPTION_MODES = ['sealed', 'required', 'optional', 'off'] as const

/** The mode of a connection on `stack`: the stack's own entry, else the server-wide one. */
export function encryptionFor(
  stack: string,
  mode: EncryptionMode,
  byStack: Readonly<Partial<Record<string, EncryptionMode>>> | undefined,
): EncryptionMode {
  return byStack?.[stack] ?? mode
}

/** Pick compression and encryption from what the client offers and the server allows. */
export function negotiate(
  hs: Handshake,
  compressionOn: boolean,
  encryption: EncryptionMode,
): { compress: boolean; encrypt: boolean } {
  const compress = compressionOn && hs.compression.includes(Compression.COMPRESSION_DEFLATE_RAW)
  const offered = hs.encryption.includes(Encryption.ENCRYPTION_X25519_AES_256_GCM)
  if (encryption === 'sealed' && !(offered && hs.sealAll === true))
    throw new EdgeSealRequired(
      offered ? 'the client did not ask for seal_all' : 'the client offered no encryption',
    )
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

/** The server's side of the key agreement (see {@link serverKeys}). */
export interface ServerKeys {
  /** The session cipher; null without encryption. */
  cipher: SessionCipher | null
  keyPublic: Uint8Array
  nonce: Uint8Array
  /** Every frame after HandshakeOk is sealed (the client asked, encryption is on). */
  sealAll: boolean
  /** One-use key of the sealed resume token (sealAll only); wiped by {@link finishHandshakeOk}. */
  resumeKey: Buffer | null
}

/** The server's half of the key agreement and the session cipher (null without encryption). */
export function serverKeys(hs: Handshake, encrypt: boolean, options: Partial<CipherOptions>): ServerKeys {
  if (!encrypt)
    return {
      cipher: null,
      keyPublic: new Uint8Array(0),
      nonce: new Uint8Array(randomBytes(32)),
      sealAll: false,
      resumeKey: null,
    }
  const nonce = generateNonce()
  const pair = generateKeyPair()
  try {
    const { cipher, resumeKey } = createSessionKeys({
      role: 'server',
      keyPair: pair,
      peerPublicKey: hs.keyPublic,
      clientNonce: hs.nonce,
      serverNonce: nonce,
      options,
    })
    const sealAll = hs.sealAll === true
    if (!sealAll) resumeKey.fill(0)
    return { cipher, keyPublic: pair.publicKey, nonce, sealAll, resumeKey: sealAll ? resumeKey : null }
  } catch (err) {
    throw EdgeNegotiationFailed.with({ cause: err }, (err as Error).message)
  }
}

/**
 * The security fields of HandshakeOk, filled last: with seal_all the resume
 * token travels sealed (an eavesdropper could otherwise resume the session
 * as its own), and with a signing key the server signs the transcript
 * (docs/protocol.md, "Server authentication"). `ok` carries the plain
 * resume token and every other field already.
 */
export function finishHandshakeOk(
  ok: HandshakeOk,
  keys: ServerKeys,
  handshakeDigest: Uint8Array,
  signingKey: SigningKey | undefined,
): HandshakeOk {
  ok.sealAll = keys.sealAll
  if (keys.sealAll && keys.resumeKey !== null) {
    ok.resumeTokenSealed = sealResumeToken(keys.resumeKey, ok.resumeToken)
    ok.resumeToken = ''
    keys.resumeKey.fill(0)
    keys.resumeKey = null
  }
  if (signingKey !== undefined && keys.cipher !== null) {
    const t = handshakeTranscript(handshakeDigest, {
      keyPublic: ok.keyPublic,
      nonce: ok.nonce,
      encryption: ok.encryption,
      compression: ok.compression,
      sealAll: ok.sealAll,
      resumed: ok.resumed,
      lastReceivedSeq: ok.lastReceivedSeq,
      sessionId: ok.sessionId,
    })
    ok.signature = signTranscript(signingKey, t)
    ok.signingKeyId = signingKey.keyId
  }
  return ok
}

/**
 * Right after HandshakeOk is handed to the session: with seal_all, the net
 * session seals and opens every further frame itself, and the cipher the
 * codec should use for game bodies is then none (returned null); otherwise
 * the codec seals game bodies with `keys.cipher` as before.
 */
export function startSealing(net: Session, keys: ServerKeys): SessionCipher | null {
  if (!keys.sealAll || keys.cipher === null) return keys.cipher
  net.setSealer(cipherSealer(keys.cipher))
  return null
}
