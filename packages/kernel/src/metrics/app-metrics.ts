import type { MemoryMonitor } from '../memory/index.js'
import { registerMemoryMetrics } from './memory-metrics.js'
import { Metrics } from './metrics.js'

/**
 * The metrics of one Application: process figures plus its memory monitor,
 * every series labelled with the app and node names. Components add their
 * own series to the returned object.
 */
export function createAppMetrics(opts: { app: string; node: string; memory: MemoryMonitor }): Metrics {
  const m = new Metrics({ defaultLabels: { app: opts.app, node: opts.node } })
  registerMemoryMetrics(m, opts.memory)
  return m
}
