import { ClusterBadSecrets } from './errors.js'
import { checkSecret, MAX_LINK_SECRETS } from './link-auth.js'

/**
 * The cluster secrets one process holds, shared by its transports (every
 * service's links and the machine-id lease). Usually one; during a rotation
 * (docs/operations.md "Rotating the cluster secret") two or more:
 *
 * - as acceptor, a link proves every one of them (LinkChallenge.proof and
 *   moreProofs) and accepts a dialler that proves any of them;
 * - as dialler, a link proves the first of them, in this order, that the
 *   acceptor proved — so the first is the one "dialled with" whenever the
 *   other side has it.
 *
 * {@link replace} swaps the set in one step (a SIGHUP or file reload): new
 * handshakes use the new set, links already up keep the keys they have.
 */
export class ClusterSecrets {
  private current: readonly string[]
  /** Replacements that changed the set (logs, tests). */
  generation = 1

  constructor(secrets: string | readonly string[]) {
    this.current = checked(typeof secrets === 'string' ? [secrets] : secrets)
  }

  /** A holder for `s`, or `s` itself when it already is one. */
  static of(s: string | readonly string[] | ClusterSecrets): ClusterSecrets {
    return s instanceof ClusterSecrets ? s : new ClusterSecrets(s)
  }

  /** The secrets in order: the first is preferred when dialling. */
  get list(): readonly string[] {
    return this.current
  }

  /**
   * Swap in a new set (one to {@link MAX_LINK_SECRETS}, each at least 16
   * characters, duplicates dropped). Returns false when it is the same
   * list; throws (CLUSTER_BAD_SECRETS, CLUSTER_BAD_SECRET) and keeps the
   * old set when the new one is refused.
   */
  replace(secrets: readonly string[]): boolean {
    const next = checked(secrets)
    if (next.length === this.current.length && next.every((s, i) => s === this.current[i])) return false
    this.current = next
    this.generation++
    return true
  }
}

function checked(secrets: readonly string[]): readonly string[] {
  const out = [...new Set(secrets)]
  if (out.length === 0) throw new ClusterBadSecrets('none given')
  if (out.length > MAX_LINK_SECRETS)
    throw new ClusterBadSecrets(`${out.length} given, at most ${MAX_LINK_SECRETS} at once`)
  for (const s of out) checkSecret(s)
  return Object.freeze(out)
}
