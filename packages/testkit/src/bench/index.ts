// Helpers for *.bench.ts files, as `@tessera/testkit/bench`.
export { type BenchTable, cpuMicros, fmt, gc, report, smoke } from './bench-report.js'
