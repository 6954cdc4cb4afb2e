export interface ReconnectOptions {
  /** Reconnect automatically after a drop (default true). */
  enabled: boolean
  /** Delay before the first attempt, ms (default 50). */
  initialDelayMs: number
  /** Longest delay between attempts, ms (default 5000). */
  maxDelayMs: number
  /** Each failed attempt multiplies the delay by this (default 2). */
  factor: number
  /** Give up after this many failed attempts in a row (default Infinity). */
  maxAttempts: number
}

export const defaultReconnect: Readonly<ReconnectOptions> = Object.freeze({
  enabled: true,
  initialDelayMs: 50,
  maxDelayMs: 5000,
  factor: 2,
  maxAttempts: Number.POSITIVE_INFINITY,
})

/** Exponential backoff with full jitter in [delay/2, delay] so a server restart is not met by a herd. */
export function backoffDelay(
  o: ReconnectOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const d = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.max(0, attempt))
  return Math.round(d / 2 + (random() * d) / 2)
}
