import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ClusterBadSecret } from './errors.js'

/** What each side of a link says it is. */
export interface PeerIdentity {
  kind: string
  serviceId: number
  node: string
}

export const NONCE_BYTES = 32

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES)
}

export function checkSecret(secret: string): void {
  if (secret.length < 16) throw new ClusterBadSecret()
}

/**
 * HMAC-SHA256 proof that the sender knows the cluster secret, bound to both
 * nonces, to both identities and to its role: a proof can be neither replayed
 * on another link nor reflected back by the other side.
 */
export function linkProof(
  secret: string,
  role: 'accept' | 'dial',
  dialNonce: Uint8Array,
  acceptNonce: Uint8Array,
  dialer: PeerIdentity,
  acceptor: PeerIdentity,
  keys: LinkKeys = NO_KEYS,
): Buffer {
  const h = createHmac('sha256', secret)
  h.update(`tessera-link-v1\n${role}\n${idText(dialer)}\n${idText(acceptor)}\n`)
  h.update(dialNonce)
  h.update(acceptNonce)
  // The ephemeral keys of an encrypted link: one on the path without the
  // secret can neither swap them (a man in the middle) nor strip them.
  if (keys.dial.length > 0 || keys.accept.length > 0) {
    h.update(`keys ${keys.dial.length} ${keys.accept.length}\n`)
    h.update(keys.dial)
    h.update(keys.accept)
  }
  return h.digest()
}

/** The ephemeral X25519 public keys of both sides (empty: the link stays in clear). */
export interface LinkKeys {
  dial: Uint8Array
  accept: Uint8Array
}
export const NO_KEYS: LinkKeys = { dial: new Uint8Array(0), accept: new Uint8Array(0) }

/**
 * The salt half that ties an encrypted link's keys to the cluster secret
 * besides the X25519 exchange: HMAC(secret, both nonces). Used as the
 * "client nonce" of the codec's key schedule (HKDF salt), so a party
 * without the secret cannot derive the keys even from the shared point.
 */
export function linkKeySalt(secret: string, dialNonce: Uint8Array, acceptNonce: Uint8Array): Buffer {
  const h = createHmac('sha256', secret)
  h.update('tessera-link-v1 keys\n')
  h.update(dialNonce)
  h.update(acceptNonce)
  return h.digest()
}

export function proofMatches(expected: Buffer, got: Uint8Array): boolean {
  return got.length === expected.length && timingSafeEqual(expected, got)
}

/**
 * Most proofs a LinkChallenge may carry (`proof` plus `moreProofs`), and so
 * most secrets a process may hold at once: a rotation needs two.
 */
export const MAX_LINK_SECRETS = 4

/**
 * The index of the first of `secrets` whose proof (`make(secret)`) is one
 * of `got`, or -1. Every secret's proof is made and compared with every
 * candidate, with no early exit: the time taken does not tell which secret
 * matched, and a wrong proof costs the same whichever secret it aimed at.
 */
export function matchSecret(
  secrets: readonly string[],
  make: (secret: string) => Buffer,
  got: readonly Uint8Array[],
): number {
  let found = -1
  for (let i = 0; i < secrets.length; i++) {
    const want = make(secrets[i]!)
    let hit = false
    for (const g of got) hit = proofMatches(want, g) || hit
    if (hit && found < 0) found = i
  }
  return found
}

function idText(p: PeerIdentity): string {
  return `${p.kind}#${p.serviceId}@${p.node}`
}
