/**
 * Failed operator logins per key (client address, operator name) within a
 * sliding window. A key over its limit is refused before any password is
 * checked, until its oldest failure leaves the window. Bounded: at most
 * `maxKeys` keys are tracked (the oldest goes first).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>()

  constructor(private readonly o: { limit: number; windowMs: number; maxKeys: number; now: () => number }) {}

  /** Seconds to wait before `key` may try again; 0 when it may now. */
  retryAfterS(key: string): number {
    const list = this.recent(key)
    if (list.length < this.o.limit) return 0
    return Math.max(1, Math.ceil((list[0]! + this.o.windowMs - this.o.now()) / 1000))
  }

  fail(key: string): void {
    const list = this.recent(key)
    list.push(this.o.now())
    this.failures.delete(key)
    this.failures.set(key, list)
    while (this.failures.size > this.o.maxKeys)
      this.failures.delete(this.failures.keys().next().value as string)
  }

  succeed(key: string): void {
    this.failures.delete(key)
  }

  private recent(key: string): number[] {
    const from = this.o.now() - this.o.windowMs
    const list = (this.failures.get(key) ?? []).filter((t) => t > from)
    if (list.length === 0) this.failures.delete(key)
    return list
  }
}
