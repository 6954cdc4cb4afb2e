export type { GuardedMemory, MemoryGuardOptions, MemoryGuardState } from './memory-guard.js'
export { MemoryGuard } from './memory-guard.js'
export {
  DEFAULT_HEAP_FRACTION,
  type MemoryGuardConfig,
  memoryGuardConfigSchema,
  memoryGuardThresholds,
} from './memory-guard-config.js'
export type { MemoryMonitorOptions, MemoryReport, MemorySnapshot, ProcessMemory } from './memory-monitor.js'
export { MemoryMonitor } from './memory-monitor.js'
