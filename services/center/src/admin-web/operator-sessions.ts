import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** The session cookie's name. */
export const SESSION_COOKIE = 'tessera_op'

export interface OperatorSession {
  operator: string
  /** Sent back in `x-csrf-token` on every POST. */
  csrf: string
  createdAt: number
  lastSeen: number
}

export interface OperatorSessionsOptions {
  /** Monotonic ms. */
  now: () => number
  /** A session unused this long ends. */
  idleMs: number
  /** A session ends this long after login whatever happens. */
  maxAgeMs: number
  /** Most live sessions; the least recently used goes first. */
  max: number
}

/**
 * Operator sessions in memory (a center restart logs everyone out). The
 * cookie carries a random 256-bit id; the map is keyed by its SHA-256, so a
 * memory dump does not hand out live cookies. Each session has its own
 * CSRF token.
 */
export class OperatorSessions {
  private readonly byDigest = new Map<string, OperatorSession>()

  constructor(private readonly o: OperatorSessionsOptions) {}

  get size(): number {
    return this.byDigest.size
  }

  /** Start a session; returns the cookie value and the session. */
  create(operator: string): { id: string; session: OperatorSession } {
    this.sweep()
    while (this.byDigest.size >= this.o.max) {
      const oldest = this.byDigest.keys().next().value as string
      this.byDigest.delete(oldest)
    }
    const id = randomBytes(32).toString('base64url')
    const now = this.o.now()
    const session = { operator, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now }
    this.byDigest.set(digest(id), session)
    return { id, session }
  }

  /** The live session of a cookie value (touching it), or null. */
  get(id: string | undefined): OperatorSession | null {
    if (!id) return null
    const key = digest(id)
    const s = this.byDigest.get(key)
    if (!s) return null
    const now = this.o.now()
    if (now - s.lastSeen >= this.o.idleMs || now - s.createdAt >= this.o.maxAgeMs) {
      this.byDigest.delete(key)
      return null
    }
    s.lastSeen = now
    // Re-insert: the map's order is least recently used first.
    this.byDigest.delete(key)
    this.byDigest.set(key, s)
    return s
  }

  end(id: string | undefined): void {
    if (id) this.byDigest.delete(digest(id))
  }

  private sweep(): void {
    const now = this.o.now()
    for (const [k, s] of this.byDigest)
      if (now - s.lastSeen >= this.o.idleMs || now - s.createdAt >= this.o.maxAgeMs) this.byDigest.delete(k)
  }
}

/** Whether `sent` is the session's CSRF token (constant time). */
export function csrfMatches(session: OperatorSession, sent: string | undefined): boolean {
  if (typeof sent !== 'string' || sent === '') return false
  return timingSafeEqual(digestBytes(sent), digestBytes(session.csrf))
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Set-Cookie for a session (or its removal with `id` null). */
export function sessionCookie(id: string | null, secure: boolean, maxAgeS: number): string {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])]
  return id === null
    ? `${SESSION_COOKIE}=; Max-Age=0; ${attrs.join('; ')}`
    : `${SESSION_COOKIE}=${id}; Max-Age=${maxAgeS}; ${attrs.join('; ')}`
}

function digest(s: string): string {
  return digestBytes(s).toString('base64url')
}

function digestBytes(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
