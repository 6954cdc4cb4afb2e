import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client'

export type { Counter, Gauge, Histogram } from 'prom-client'

export interface MetricsOptions {
  /** Labels added to every series of this application (e.g. `{ app: 'center', node: 'n1' }`). */
  defaultLabels?: Record<string, string>
  /** Also export prom-client's process figures (CPU, event-loop lag, GC, handles). Default true. */
  processMetrics?: boolean
}

/** Latency buckets in seconds, from 50 µs to 10 s: loopback RPC sits at the low end, MySQL higher up. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
]

/**
 * One application's metrics, exposed in the Prometheus text format. Each
 * Application owns its own registry (never a module-level one), so two
 * applications in one process (tests) never mix their series.
 *
 * Metric objects are created once and kept by their owner; hot paths call
 * `inc()`/`observe()` on them directly. Figures that already live elsewhere
 * (memory monitor, net counters) are read at scrape time through `collect`
 * callbacks instead of being pushed on every change.
 */
export class Metrics {
  readonly registry: Registry

  constructor(opts: MetricsOptions = {}) {
    this.registry = new Registry()
    if (opts.defaultLabels) this.registry.setDefaultLabels(opts.defaultLabels)
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry })
  }

  counter<L extends string = string>(cfg: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter<L>({ ...cfg, registers: [this.registry] })
  }

  gauge<L extends string = string>(cfg: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge<L>({ ...cfg, registers: [this.registry] })
  }

  histogram<L extends string = string>(cfg: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram<L>({ buckets: [...LATENCY_BUCKETS], ...cfg, registers: [this.registry] })
  }

  /** The exposition body for `GET /metrics`. */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** Current values as JSON (for the admin state endpoint and tests). */
  json(): Promise<unknown[]> {
    return this.registry.getMetricsAsJSON()
  }
}
