/**
 * Numeric interface type ids of kernel components. Ranges: kernel 1-999,
 * storage 1000-1999, services 10000+ (each service kind takes a block of 1000).
 * Ids are never reused once retired.
 */
export const KernelComponentIds = {
  Config: 1,
  Logger: 2,
  MemoryMonitor: 3,
  TimerWheel: 4,
  Calendar: 5,
  Snowflake: 6,
  Metrics: 7,
  Net: 8,
  ServiceProxy: 9,
} as const
export type KernelComponentId = (typeof KernelComponentIds)[keyof typeof KernelComponentIds]
