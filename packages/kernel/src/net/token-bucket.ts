/**
 * A token bucket that stores only its level and last refill time; rate and
 * burst are passed on each call so thousands of buckets share one config.
 */
export class TokenBucket {
  tokens: number
  last: number

  constructor(burst: number, nowMs: number) {
    this.tokens = burst
    this.last = nowMs
  }

  /** Refill for the time elapsed, then take one token if there is one. */
  take(ratePerSec: number, burst: number, nowMs: number): boolean {
    this.refill(ratePerSec, burst, nowMs)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return true
    }
    return false
  }

  /** True when the bucket is back to its burst (safe to forget). */
  isFull(ratePerSec: number, burst: number, nowMs: number): boolean {
    this.refill(ratePerSec, burst, nowMs)
    return this.tokens >= burst
  }

  private refill(ratePerSec: number, burst: number, nowMs: number): void {
    const elapsed = nowMs - this.last
    if (elapsed > 0) {
      this.tokens = Math.min(burst, this.tokens + (elapsed * ratePerSec) / 1000)
      this.last = nowMs
    }
  }
}
