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
): Buffer {
  const h = createHmac('sha256', secret)
  h.update(`tessera-link-v1\n${role}\n${idText(dialer)}\n${idText(acceptor)}\n`)
  h.update(dialNonce)
  h.update(acceptNonce)
  return h.digest()
}

export function proofMatches(expected: Buffer, got: Uint8Array): boolean {
  return got.length === expected.length && timingSafeEqual(expected, got)
}

function idText(p: PeerIdentity): string {
  return `${p.kind}#${p.serviceId}@${p.node}`
}
