/**
 * Per-player token buckets: `burst` lines at once, refilled at `perSec`.
 * Time comes from the caller (the service clock), so tests drive it.
 */
export class RateLimiter {
  private readonly buckets = new Map<bigint, { tokens: number; at: number }>()

  constructor(
    readonly perSec: number,
    readonly burst: number,
  ) {}

  /** Take one token: 0 when allowed, else the ms until one is available (nothing taken). */
  take(userId: bigint, nowMs: number): number {
    let b = this.buckets.get(userId)
    if (b === undefined) {
      b = { tokens: this.burst, at: nowMs }
      this.buckets.set(userId, b)
    }
    const elapsed = Math.max(0, nowMs - b.at)
    b.tokens = Math.min(this.burst, b.tokens + (elapsed * this.perSec) / 1000)
    b.at = nowMs
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - b.tokens) * 1000) / this.perSec)
  }

  /** Forget a player (logged out): its bucket starts full next time. */
  forget(userId: bigint): void {
    this.buckets.delete(userId)
  }

  get size(): number {
    return this.buckets.size
  }
}
