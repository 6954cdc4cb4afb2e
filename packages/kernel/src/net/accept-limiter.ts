import type { Clock } from '../timer/clock.js'
import { TokenBucket } from './token-bucket.js'

/**
 * New-connection rate per source IP (token bucket per IP). Buckets that have
 * refilled are forgotten on {@link sweep}; past `maxTracked` IPs new ones are
 * admitted untracked rather than refused, so an attack from many addresses
 * cannot grow memory or lock out everyone.
 */
export class AcceptLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  untracked = 0

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly maxTracked: number,
    private readonly clock: Clock,
  ) {}

  admit(ip: string): boolean {
    if (this.ratePerSec === 0) return true
    const now = this.clock.monotonic()
    let b = this.buckets.get(ip)
    if (b === undefined) {
      if (this.buckets.size >= this.maxTracked) {
        this.sweep()
        if (this.buckets.size >= this.maxTracked) {
          this.untracked++
          return true
        }
      }
      b = new TokenBucket(this.burst, now)
      this.buckets.set(ip, b)
    }
    return b.take(this.ratePerSec, this.burst, now)
  }

  /** Forget IPs whose bucket is full again. */
  sweep(): void {
    const now = this.clock.monotonic()
    for (const [ip, b] of this.buckets)
      if (b.isFull(this.ratePerSec, this.burst, now)) this.buckets.delete(ip)
  }

  get tracked(): number {
    return this.buckets.size
  }
}
