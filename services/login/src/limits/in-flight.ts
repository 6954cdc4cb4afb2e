import { LoginThrottledIpInFlight } from '../errors.js'

/**
 * Password checks running at once per client address in this process. The
 * per-address failure counter is charged only when a check fails, so without
 * this cap a burst of guesses raced in together would all be checked before
 * the first failure is counted; with it, a burst gets at most `cap` guesses
 * past a full counter per login process. A busy NAT's honest logins are not
 * failures and pass as long as fewer than `cap` of them hash at once.
 */
export class InFlight {
  private readonly running = new Map<string, number>()

  constructor(private readonly cap: number) {}

  /** Take a place for `subject` (LOGIN_THROTTLED_IP_IN_FLIGHT at the cap); call the result once when done. */
  enter(subject: string): () => void {
    const n = this.running.get(subject) ?? 0
    if (n >= this.cap) throw new LoginThrottledIpInFlight(n)
    this.running.set(subject, n + 1)
    let left = false
    return () => {
      if (left) return
      left = true
      const m = (this.running.get(subject) ?? 1) - 1
      if (m <= 0) this.running.delete(subject)
      else this.running.set(subject, m)
    }
  }

  /** Addresses with a check running (for metrics and tests). */
  get size(): number {
    return this.running.size
  }
}
