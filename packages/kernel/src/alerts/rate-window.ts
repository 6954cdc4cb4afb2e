/**
 * Sliding-window send limits, the way Feishu states its own (per bot: 100 a
 * minute and 5 a second): at most `perSecond` sends in any 1 s and
 * `perMinute` in any 60 s. Keeps the times of the last `perMinute` sends.
 */
export class RateWindow {
  private readonly sent: number[] = []

  constructor(
    private readonly perSecond: number,
    private readonly perMinute: number,
  ) {}

  /** 0 when a send may go now, else the ms until one may. */
  waitMs(now: number): number {
    while (this.sent.length && this.sent[0]! <= now - 60_000) this.sent.shift()
    let wait = 0
    if (this.sent.length >= this.perMinute)
      wait = this.sent[this.sent.length - this.perMinute]! + 60_000 - now
    if (this.sent.length >= this.perSecond)
      wait = Math.max(wait, this.sent[this.sent.length - this.perSecond]! + 1000 - now)
    return Math.max(0, wait)
  }

  record(now: number): void {
    this.sent.push(now)
    if (this.sent.length > this.perMinute) this.sent.shift()
  }
}
