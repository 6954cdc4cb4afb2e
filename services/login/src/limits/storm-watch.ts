/**
 * Counts refused password checks (wrong password, unknown account, or
 * refused by the failure limits) in fixed windows; when a window reaches
 * `threshold`, `onStorm` is told once for that window: a login storm (a
 * credential-stuffing run, a bot farm, or a client bug retrying in a loop)
 * is an operator's business even while the per-account and per-address
 * limits hold. 0 turns it off.
 */
export class StormWatch {
  private windowStart = Number.NEGATIVE_INFINITY
  private count = 0

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly onStorm: (failures: number, windowMs: number) => void,
  ) {}

  /** One refused check at time `now` (ms). */
  failed(now: number): void {
    if (this.threshold <= 0) return
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now
      this.count = 0
    }
    this.count++
    if (this.count === this.threshold) this.onStorm(this.count, this.windowMs)
  }
}
