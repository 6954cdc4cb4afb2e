export type { MemoryMonitorOptions, MemoryReport, MemorySnapshot, ProcessMemory } from './memory-monitor.js'
export { MemoryMonitor } from './memory-monitor.js'
