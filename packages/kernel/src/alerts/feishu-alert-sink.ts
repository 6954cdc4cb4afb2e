import type { Logger } from '../log/index.js'
import { type Clock, systemClock, systemTimers } from '../timer/index.js'
import { ALERT_SEVERITIES, type AlertInput, defaultAlertKey, type QueuedAlert } from './alert.js'
import { AlertQueue, type QueueEntry } from './alert-queue.js'
import { type FeishuAlertsConfig, type FeishuAlertsInput, resolveFeishuConfig } from './alerts-config.js'
import { AlertsBadConfig, AlertsDeliveryFailed } from './errors.js'
import { classifyResponse, type DeliveryResult, feishuBody } from './feishu-message.js'
import { RateWindow } from './rate-window.js'

/** Run `fn` after `ms`; returns a cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void

// The process-wide wheel is unref'd: a pending retry must not keep a stopping process alive.
const realSchedule: Schedule = (fn, ms) => {
  const timers = systemTimers()
  const t = timers.after(ms, fn)
  return () => timers.cancel(t)
}

/** Largest webhook answer read (Feishu's are tiny). */
const MAX_ANSWER_BYTES = 64 * 1024

export interface FeishuAlertSinkOptions {
  config: FeishuAlertsInput
  /** Timestamps, dedup, rate limit and backoff all read this clock. */
  clock?: Clock
  logger?: Logger
  /** Wake-up for retries and rate-limited sends (tests record the delays and call pump()). */
  schedule?: Schedule
}

export interface AlertSinkStats {
  raised: number
  sent: number
  /** Held back by dedup. */
  suppressed: number
  /** Below minSeverity. */
  ignored: number
  /** Dropped: queue over its cap, too old, or a body the webhook refused for good. */
  dropped: number
  failedAttempts: number
}

/**
 * Sends alerts to a Feishu (Lark) custom bot: signed, deduplicated by key,
 * rate-limited, and queued on disk until the webhook takes them, so alerts
 * raised while the webhook (or the network, or this process) is down are
 * delivered after it is back. `alert()` never throws and never waits; wire
 * it to every `onAlert` hook (see docs/alerts.md).
 */
export class FeishuAlertSink {
  readonly stats: AlertSinkStats = {
    raised: 0,
    sent: 0,
    suppressed: 0,
    ignored: 0,
    dropped: 0,
    failedAttempts: 0,
  }
  readonly config: FeishuAlertsConfig
  private readonly clock: Clock
  private readonly logger: Logger | undefined
  private readonly schedule: Schedule
  private readonly queue: AlertQueue
  private readonly rate: RateWindow
  private readonly dedup = new Map<string, { until: number; suppressed: number }>()
  private running: Promise<void> | undefined
  private rerun = false
  private cancelWake: (() => void) | undefined
  /** Monotonic time the pending wake-up is for (one at a time). */
  private wakeAt = Number.NaN
  private closed = false

  constructor(opts: FeishuAlertSinkOptions) {
    this.config = resolveFeishuConfig(opts.config)
    this.clock = opts.clock ?? systemClock
    this.logger = opts.logger
    this.schedule = opts.schedule ?? realSchedule
    this.rate = new RateWindow(this.config.perSecond, this.config.perMinute)
    try {
      this.queue = new AlertQueue(this.config.queueDir, (err) =>
        this.logger?.error({ err }, 'alerts: bad queue file'),
      )
    } catch (err) {
      throw AlertsBadConfig.with(
        { cause: err },
        `queueDir ${this.config.queueDir}: ${(err as Error).message}`,
      )
    }
    // Alerts left by the last run go out first.
    if (this.queue.size) void this.pump()
  }

  /** Alerts waiting for delivery (including ones restored from disk). */
  get queued(): number {
    return this.queue.size
  }

  /** The hook to pass as `onAlert` (bound). */
  readonly hook = (a: AlertInput): void => {
    this.alert(a)
  }

  /** Accept an alert: `queued` (and a send started), `suppressed` by dedup, or `ignored` (below minSeverity, or closed). */
  alert(a: AlertInput): 'queued' | 'suppressed' | 'ignored' {
    this.stats.raised++
    if (
      this.closed ||
      ALERT_SEVERITIES.indexOf(a.severity) < ALERT_SEVERITIES.indexOf(this.config.minSeverity as never)
    ) {
      this.stats.ignored++
      return 'ignored'
    }
    const key = defaultAlertKey(a)
    const mono = this.clock.monotonic()
    const seen = this.dedup.get(key)
    if (seen && mono < seen.until) {
      seen.suppressed++
      this.stats.suppressed++
      return 'suppressed'
    }
    this.dedup.set(key, { until: mono + this.config.dedupWindowMs, suppressed: 0 })
    if (this.dedup.size > 4096) for (const [k, v] of this.dedup) if (v.until <= mono) this.dedup.delete(k)
    const now = this.clock.now()
    const q: QueuedAlert = {
      kind: a.kind,
      severity: a.severity,
      title: a.title,
      text: a.text ?? '',
      service: a.service,
      node: a.node,
      key,
      at: now,
      suppressed: seen?.suppressed ?? 0,
      attempts: 0,
      nextAt: now,
    }
    try {
      while (this.queue.size >= this.config.maxQueued) this.drop(this.queue.head()!, 'queue full')
      this.queue.add(q)
    } catch (err) {
      // A full or read-only disk must not take the caller down; the alert is at least in the log.
      this.logger?.error({ err, alert: q }, 'alerts: cannot queue alert')
      this.stats.dropped++
      return 'ignored'
    }
    void this.pump()
    return 'queued'
  }

  /**
   * Send everything due now, oldest first, within the rate limit; resolves
   * when it stops (queue empty, rate limit reached or webhook failing: a
   * wake-up is then scheduled). Safe to call at any time.
   */
  pump(): Promise<void> {
    if (this.running) {
      this.rerun = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.rerun = false
        await this.drain()
      } while (this.rerun && !this.closed)
    })().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** Stop sending (queued alerts stay on disk for the next start); waits for a send in flight. */
  async close(): Promise<void> {
    this.closed = true
    this.unwake()
    await this.running
  }

  private async drain(): Promise<void> {
    for (;;) {
      const e = this.queue.head()
      if (!e || this.closed) return this.unwake()
      const now = this.clock.now()
      if (now - e.alert.at > this.config.maxAgeMs) {
        this.drop(e, 'too old')
        continue
      }
      if (e.alert.nextAt > now) return this.wake(e.alert.nextAt - now)
      const mono = this.clock.monotonic()
      const wait = this.rate.waitMs(mono)
      if (wait > 0) return this.wake(wait)
      this.rate.record(mono)
      const r = await this.send(e.alert)
      if (r.ok) {
        this.queue.remove(e)
        this.stats.sent++
        continue
      }
      e.alert.attempts++
      this.stats.failedAttempts++
      const err = new AlertsDeliveryFailed(e.alert.key, r.why)
      if (!r.retry) {
        this.drop(e, `refused: ${r.why}`)
        continue
      }
      const delay = Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** (e.alert.attempts - 1))
      e.alert.nextAt = this.clock.now() + delay
      this.queue.update(e)
      this.logger?.warn(
        { err, attempts: e.alert.attempts, retryInMs: delay },
        'alerts: webhook delivery failed',
      )
      return this.wake(delay)
    }
  }

  private wake(ms: number): void {
    if (this.closed) return
    const at = this.clock.monotonic() + ms
    if (at === this.wakeAt) return
    this.unwake()
    this.wakeAt = at
    this.cancelWake = this.schedule(() => {
      this.cancelWake = undefined
      this.wakeAt = Number.NaN
      void this.pump()
    }, ms)
  }

  private unwake(): void {
    this.cancelWake?.()
    this.cancelWake = undefined
    this.wakeAt = Number.NaN
  }

  private drop(e: QueueEntry, why: string): void {
    this.queue.remove(e)
    this.stats.dropped++
    this.logger?.error({ alert: e.alert, why }, 'alerts: alert dropped')
  }

  private async send(a: QueuedAlert): Promise<DeliveryResult> {
    const body = JSON.stringify(feishuBody(a, this.clock.now(), this.config.secret, this.config.maxTextChars))
    try {
      const res = await fetch(this.config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      })
      return classifyResponse(res.status, await readCapped(res))
    } catch (err) {
      return { ok: false, retry: true, why: (err as Error).message }
    }
  }
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      n += value.length
      if (n >= MAX_ANSWER_BYTES) break
    }
  } finally {
    // Stop a longer answer here rather than reading it to the end.
    void reader.cancel().catch(() => {})
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(n, MAX_ANSWER_BYTES))
}
