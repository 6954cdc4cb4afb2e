import { getHeapStatistics } from 'node:v8'
import { z } from 'zod'

/** Share of V8's heap limit that is the default heap threshold. */
export const DEFAULT_HEAP_FRACTION = 0.85

/**
 * Config keys of a {@link MemoryGuard} (a service puts them under its own
 * section: `gateway.memoryGuard`, `login.memoryGuard`; docs/operations.md).
 */
export const memoryGuardConfigSchema = z.strictObject({
  /** Resident set size (bytes) at which the guard goes over. 0 = no RSS threshold. */
  rssBytes: z.number().int().min(0).default(0),
  /**
   * V8 heap in use (bytes) at which the guard goes over. Unset: 85% of this
   * process's heap limit (v8 heap_size_limit, set by --max-old-space-size),
   * the point past which V8 collects ever harder before it aborts with
   * "JavaScript heap out of memory". 0 = no heap threshold.
   */
  heapBytes: z.number().int().min(0).optional(),
  /** The guard is back to normal once every figure is below this share of its threshold. */
  resumeRatio: z.number().gt(0).lt(1).default(0.9),
  /** How often process memory is read, ms. */
  sampleMs: z.number().int().min(10).default(1000),
})

export type MemoryGuardConfig = z.output<typeof memoryGuardConfigSchema>

/** The thresholds a config means in this process: heapBytes unset becomes 85% of the heap limit. */
export function memoryGuardThresholds(c: MemoryGuardConfig): { rssBytes: number; heapBytes: number } {
  const heapBytes = c.heapBytes ?? Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_HEAP_FRACTION)
  return { rssBytes: c.rssBytes, heapBytes }
}
