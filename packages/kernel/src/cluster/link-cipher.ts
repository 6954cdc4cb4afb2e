import { type CipherOptions, cipherSealer, createSessionKeys, type KeyPair } from '../codec/index.js'
import type { FrameSealer } from '../net/index.js'
import { linkKeySalt } from './link-auth.js'

/** Bytes of a raw X25519 public key in LinkHello / LinkChallenge. */
export const LINK_KEY_BYTES = 32

/**
 * The sealer of an encrypted cluster link (cluster.encryptLinks): AES-256-GCM
 * on every frame after LinkAuthOk, control frames included, with the
 * codec's key schedule (per-direction chains, epochs, replay window; see
 * docs/protocol.md §6). The keys come from the ephemeral X25519 exchange
 * of the handshake, whose public keys both proofs cover, salted with
 * HMAC(cluster secret, both nonces): only a holder of the secret that took
 * part in this exchange can read or forge a frame. The dialler plays the
 * codec's `client` role, the acceptor its `server` role.
 */
export function linkSealer(
  role: 'dial' | 'accept',
  secret: string,
  own: KeyPair,
  peerPublicKey: Uint8Array,
  dialNonce: Uint8Array,
  acceptNonce: Uint8Array,
  options: Partial<CipherOptions>,
): FrameSealer {
  const { cipher, resumeKey } = createSessionKeys({
    role: role === 'dial' ? 'client' : 'server',
    keyPair: own,
    peerPublicKey,
    clientNonce: linkKeySalt(secret, dialNonce, acceptNonce),
    serverNonce: acceptNonce,
    options,
  })
  // Links do not resume: the resume key has no use here.
  resumeKey.fill(0)
  return cipherSealer(cipher)
}
