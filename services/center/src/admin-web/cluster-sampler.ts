import type { Logger, RecentAlert, ServiceInfoMsg } from '@tessera/kernel'
import { histogramBuckets, type PromSample, parsePromText, quantileBetween } from './prom-text.js'

/** Proxy counters that count a message through a service (tessera_cluster_messages). */
const MESSAGE_COUNTERS = new Set([
  'messagesReceived',
  'notificationsSent',
  'requestsSent',
  'responsesReceived',
])
/** Storage row figures the page shows (tessera_storage_rows). */
export const STORAGE_FIGURES = [
  'flushes',
  'rowsLanded',
  'rowsDumped',
  'rowsErrored',
  'rowsRejected',
  'dumpPending',
  'dirtyRows',
] as const
const WANTED = new Set([
  'tessera_cluster_messages',
  'tessera_cluster_request_seconds_bucket',
  'tessera_storage_rows',
  'logic_player_sessions',
])
/** Most series kept (services seen within the window); more are not charted. */
const MAX_SERIES = 512
/** Most alerts kept from all services together. */
const MAX_ALERTS = 200

/** One service's figures at one sample. */
export interface Point {
  /** Cluster messages through its ServiceProxy per second since the previous sample. */
  msgsPerSec: number | null
  /** p99 of its cluster request round trips since the previous sample, ms. */
  p99Ms: number | null
  /** Players: a gateway's client sessions (heartbeat load), a logic's player sessions (metric). */
  players: number | null
}

/** The latest scrape of one service. */
export interface Latest extends Point {
  atMs: number
  storage: Record<string, number> | null
  /** Why the last scrape failed, if it did. */
  error?: string
}

/** An alert with the service whose admin endpoint reported it. */
export type ClusterAlert = RecentAlert & { from: string }

/** What a scrape of one service returns (the center scrapes itself in-process). */
export interface Scraped {
  metrics: string
  alerts: readonly RecentAlert[]
}

export interface ClusterSamplerOptions {
  /** Registered services (the registry). */
  services: () => readonly ServiceInfoMsg[]
  /** Read one service's /metrics and /admin/state alerts (default: HTTP GET on its admin address). */
  scrape?: (s: ServiceInfoMsg, timeoutMs: number) => Promise<Scraped>
  /** The center itself: its figures are read in process, not over HTTP. */
  self: { key: string; scrape: () => Promise<Scraped> }
  intervalMs: number
  timeoutMs: number
  /** Wall clock, ms. */
  now: () => number
  logger: Logger
}

interface Reading {
  atMs: number
  startedAtMs: bigint
  msgs: number
  buckets: Map<number, number>
}

/**
 * The figures behind the admin page's charts: every `intervalMs` the center
 * reads each registered service's /metrics and /admin/state on its admin
 * address (ServiceInfo.admin; a service without one has only its heartbeat
 * load) and keeps one hour of points in memory (a ring; nothing persisted,
 * a restarted center starts empty). Sources are in docs/operations.md.
 */
export class ClusterSampler {
  /** Sample times (wall ms), oldest first; every series has one value per time. */
  readonly times: number[] = []
  private readonly series = new Map<
    string,
    { msgs: (number | null)[]; p99: (number | null)[]; players: (number | null)[] }
  >()
  private readonly readings = new Map<string, Reading>()
  private readonly latestBy = new Map<string, Latest>()
  private readonly alertsBy = new Map<string, ClusterAlert[]>()
  private readonly capacity: number
  private running: Promise<void> | null = null

  constructor(private readonly o: ClusterSamplerOptions) {
    this.capacity = Math.max(2, Math.ceil(3_600_000 / o.intervalMs) + 1)
  }

  /** Take one sample (skipped while the previous one still runs: a slow scrape never piles up). */
  sample(): Promise<void> {
    this.running ??= this.sampleOnce().finally(() => {
      this.running = null
    })
    return this.running
  }

  latest(key: string): Latest | undefined {
    return this.latestBy.get(key)
  }

  /** Every series over the window, aligned with {@link times}. */
  charts(): {
    times: number[]
    series: Record<string, { msgs: (number | null)[]; p99: (number | null)[]; players: (number | null)[] }>
  } {
    return { times: [...this.times], series: Object.fromEntries(this.series) }
  }

  /** Alerts of every service (the center's own included), newest first. */
  alerts(): ClusterAlert[] {
    return [...this.alertsBy.values()]
      .flat()
      .sort((a, b) => b.atMs - a.atMs)
      .slice(0, MAX_ALERTS)
  }

  private async sampleOnce(): Promise<void> {
    const o = this.o
    const at = o.now()
    const targets = o.services()
    const points = new Map<string, Point>()
    const jobs = targets.map(async (s) => {
      const key = `${s.kind}#${s.serviceId}`
      const heartbeatPlayers = s.kind === 'gateway' ? s.load : null
      if (!s.admin) {
        points.set(key, { msgsPerSec: null, p99Ms: null, players: heartbeatPlayers })
        return
      }
      try {
        const got = await (o.scrape ?? httpScrape)(s, o.timeoutMs)
        points.set(key, this.read(key, s.startedAtMs, at, got, heartbeatPlayers))
      } catch (err) {
        const error = (err as Error).message
        this.latestBy.set(key, {
          atMs: at,
          msgsPerSec: null,
          p99Ms: null,
          players: heartbeatPlayers,
          storage: null,
          error,
        })
        points.set(key, { msgsPerSec: null, p99Ms: null, players: heartbeatPlayers })
        o.logger.debug({ service: key, err }, 'admin page: scrape failed')
      }
    })
    jobs.push(
      o.self.scrape().then(
        (got) => void points.set(o.self.key, this.read(o.self.key, 0n, at, got, null)),
        (err: unknown) => o.logger.warn({ err }, 'admin page: reading the center failed'),
      ),
    )
    await Promise.all(jobs)
    this.push(at, points)
  }

  /** Turn one scrape into a point (rates against the previous reading of the same process). */
  private read(
    key: string,
    startedAtMs: bigint,
    at: number,
    got: Scraped,
    heartbeatPlayers: number | null,
  ): Point {
    const samples = parsePromText(got.metrics, WANTED)
    const msgs = sum(samples, 'tessera_cluster_messages', (l) => MESSAGE_COUNTERS.has(l.counter ?? ''))
    const buckets = histogramBuckets(samples, 'tessera_cluster_request_seconds')
    const prev = this.readings.get(key)
    // Another process under the same id (restart) or counters gone back: no rate this time.
    const same = prev !== undefined && prev.startedAtMs === startedAtMs && msgs >= prev.msgs
    const dt = same ? (at - prev.atMs) / 1000 : 0
    const p99 = same ? quantileBetween(prev.buckets, buckets, 0.99) : null
    const logicPlayers = samples.find((x) => x.name === 'logic_player_sessions')
    const point: Point = {
      msgsPerSec: dt > 0 ? round((msgs - prev!.msgs) / dt) : null,
      p99Ms: p99 === null ? null : round(p99 * 1000),
      players: logicPlayers ? logicPlayers.value : heartbeatPlayers,
    }
    this.readings.set(key, { atMs: at, startedAtMs, msgs, buckets })
    const storage: Record<string, number> = {}
    let any = false
    for (const x of samples) {
      if (x.name !== 'tessera_storage_rows' || !STORAGE_FIGURES.includes(x.labels.figure as never)) continue
      storage[x.labels.figure!] = (storage[x.labels.figure!] ?? 0) + x.value
      any = true
    }
    this.latestBy.set(key, { atMs: at, ...point, storage: any ? storage : null })
    this.alertsBy.set(
      key,
      got.alerts.slice(-MAX_ALERTS).map((a) => ({ ...a, from: key })),
    )
    return point
  }

  private push(at: number, points: Map<string, Point>): void {
    this.times.push(at)
    for (const key of points.keys()) {
      if (this.series.has(key) || this.series.size >= MAX_SERIES) continue
      const fill = () => new Array<number | null>(this.times.length - 1).fill(null)
      this.series.set(key, { msgs: fill(), p99: fill(), players: fill() })
    }
    for (const [key, s] of this.series) {
      const p = points.get(key)
      s.msgs.push(p?.msgsPerSec ?? null)
      s.p99.push(p?.p99Ms ?? null)
      s.players.push(p?.players ?? null)
    }
    while (this.times.length > this.capacity) {
      this.times.shift()
      for (const s of this.series.values()) {
        s.msgs.shift()
        s.p99.shift()
        s.players.shift()
      }
    }
    // A service gone (not sampled now) with nothing left in the window leaves the charts, its readings and alerts too.
    for (const [key, s] of this.series) {
      if (points.has(key) || s.msgs.some((v) => v !== null) || s.players.some((v) => v !== null)) continue
      this.series.delete(key)
      this.readings.delete(key)
      this.latestBy.delete(key)
      this.alertsBy.delete(key)
    }
  }
}

function sum(
  samples: readonly PromSample[],
  name: string,
  pick: (l: Record<string, string>) => boolean,
): number {
  let n = 0
  for (const s of samples) if (s.name === name && pick(s.labels)) n += s.value
  return n
}

function round(v: number): number {
  return Math.round(v * 100) / 100
}

/** GET /metrics and /admin/state on the service's admin address, each bounded by `timeoutMs`. */
async function httpScrape(s: ServiceInfoMsg, timeoutMs: number): Promise<Scraped> {
  const base = s.admin.replace(/\/+$/, '')
  const get = async (p: string) => {
    const res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) throw new Error(`GET ${p}: HTTP ${res.status}`)
    return res.text()
  }
  const [metrics, state] = await Promise.all([get('/metrics'), get('/admin/state')])
  let alerts: RecentAlert[] = []
  try {
    const v = JSON.parse(state) as { alerts?: unknown }
    if (Array.isArray(v.alerts)) alerts = v.alerts as RecentAlert[]
  } catch {
    // an old process without alerts in its state: none
  }
  return { metrics, alerts }
}
