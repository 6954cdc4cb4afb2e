import type { Clock } from '../timer/clock.js'
import { TokenBucket } from './token-bucket.js'

/**
 * Message-rate buckets of one session type keyed by who sends (a user, once logged in), shared
 * by every session of that key: reconnecting or resuming continues the
 * budget instead of starting a fresh burst. A bucket that has refilled is
 * forgotten on {@link sweep}; past `maxTracked` keys new ones get a bucket of
 * their own, untracked, so memory stays bounded.
 */
export class RateBudgets {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly clock: Clock,
    private readonly maxTracked: number,
  ) {}

  get size(): number {
    return this.buckets.size
  }

  /** The bucket of `key` (new ones start full, at `burst`). */
  get(key: string, burst: number): TokenBucket {
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = new TokenBucket(burst, this.clock.monotonic())
      if (this.buckets.size < this.maxTracked) this.buckets.set(key, b)
    }
    return b
  }

  /** Forget buckets that are full again (nobody would notice they are gone). */
  sweep(ratePerSec: number, burst: number): void {
    const now = this.clock.monotonic()
    for (const [k, b] of this.buckets) if (b.isFull(ratePerSec, burst, now)) this.buckets.delete(k)
  }
}
