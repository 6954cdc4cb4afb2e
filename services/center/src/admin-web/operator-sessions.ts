import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { StoredSession } from './operator-session-store.js'

/** The session cookie's name. */
export const SESSION_COOKIE = 'tessera_op'

export interface OperatorSession {
  operator: string
  /** Sent back in `x-csrf-token` on every POST. */
  csrf: string
  createdAt: number
  lastSeen: number
}

/** Where sessions are written through (the center's database, operator-session-store.ts). */
export interface SessionPersistence {
  save(s: StoredSession): Promise<void>
  touch(digest: string, lastSeenAtMs: number): Promise<void>
  remove(digest: string): Promise<void>
}

export interface OperatorSessionsOptions {
  /** Monotonic ms. */
  now: () => number
  /** Wall-clock ms (what the store keeps; monotonic time does not survive a restart). */
  wallNow?: () => number
  /** Write-through store: sessions survive a center restart. Absent: memory only. */
  store?: SessionPersistence
  /** A store write failed (the session goes on in memory). */
  onStoreError?: (err: unknown) => void
  /** A session unused this long ends. */
  idleMs: number
  /** A session ends this long after login whatever happens. */
  maxAgeMs: number
  /** Most live sessions; the least recently used goes first. */
  max: number
}

/** How often a session's last use is written to the store, at most (its idle limit / 10, ≤ 60 s). */
const TOUCH_EVERY_MS = 60_000

/**
 * Operator sessions: in memory, written through to the center's database
 * when a store is given (so a center restart keeps operators logged in;
 * {@link restore} loads them at startup). The cookie carries a random 256-bit
 * id; both map and store are keyed by its SHA-256, so neither a memory dump
 * nor the table hands out live cookies. Each session has its own CSRF token.
 */
export class OperatorSessions {
  private readonly byDigest = new Map<string, OperatorSession>()
  /** Monotonic time of each session's last use written to the store. */
  private readonly savedSeen = new Map<string, number>()
  private writes: Promise<void> = Promise.resolve()

  constructor(private readonly o: OperatorSessionsOptions) {}

  /**
   * Take in the sessions the store kept (at startup, before any request):
   * their wall-clock times become this process's monotonic ones, so idle and
   * age limits run on across the restart.
   */
  restore(rows: readonly StoredSession[]): void {
    const mono = this.o.now()
    const wall = this.wall()
    for (const r of rows) {
      const s: OperatorSession = {
        operator: r.operator,
        csrf: r.csrf,
        createdAt: mono - (wall - r.createdAtMs),
        lastSeen: mono - (wall - r.lastSeenAtMs),
      }
      this.byDigest.set(r.digest, s)
      this.savedSeen.set(r.digest, s.lastSeen)
    }
    this.sweep()
  }

  get size(): number {
    return this.byDigest.size
  }

  /** Start a session; returns the cookie value and the session. */
  create(operator: string): { id: string; session: OperatorSession } {
    this.sweep()
    while (this.byDigest.size >= this.o.max) this.drop(this.byDigest.keys().next().value as string)
    const id = randomBytes(32).toString('base64url')
    const now = this.o.now()
    const session = { operator, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeen: now }
    const key = digest(id)
    this.byDigest.set(key, session)
    this.savedSeen.set(key, now)
    const wall = this.wall()
    this.persist((st) =>
      st.save({ digest: key, operator, csrf: session.csrf, createdAtMs: wall, lastSeenAtMs: wall }),
    )
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
      this.drop(key)
      return null
    }
    s.lastSeen = now
    if (now - (this.savedSeen.get(key) ?? 0) >= Math.min(TOUCH_EVERY_MS, this.o.idleMs / 10)) {
      this.savedSeen.set(key, now)
      const wall = this.wall()
      this.persist((st) => st.touch(key, wall))
    }
    // Re-insert: the map's order is least recently used first.
    this.byDigest.delete(key)
    this.byDigest.set(key, s)
    return s
  }

  end(id: string | undefined): void {
    if (id) this.drop(digest(id))
  }

  private drop(key: string): void {
    this.byDigest.delete(key)
    this.savedSeen.delete(key)
    this.persist((st) => st.remove(key))
  }

  private sweep(): void {
    const now = this.o.now()
    for (const [k, s] of this.byDigest)
      if (now - s.lastSeen >= this.o.idleMs || now - s.createdAt >= this.o.maxAgeMs) this.drop(k)
  }

  private wall(): number {
    return (this.o.wallNow ?? Date.now)()
  }

  /**
   * Queue a store write; writes run one at a time in order (a logout right
   * after its login must not land first). A failure is reported, the session
   * goes on in memory.
   */
  private persist(fn: (st: SessionPersistence) => Promise<void>): void {
    const st = this.o.store
    if (!st) return
    this.writes = this.writes.then(() => fn(st)).catch((err: unknown) => this.o.onStoreError?.(err))
  }

  /** Resolves once every queued store write is done (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writes
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
