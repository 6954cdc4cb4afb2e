// The report format of *.bench.ts files (scripts/bench.mjs collects it; see there for the contract).

/** True under `pnpm bench --smoke` (CI): run tiny sizes, only prove it works. */
export const smoke = process.env.TESSERA_BENCH_SMOKE === '1'

export interface BenchTable {
  title: string
  command?: string
  columns: string[]
  rows: (string | number)[][]
  notes?: string[]
}

/** Print one result table for scripts/bench.mjs to collect. */
export function report(t: BenchTable): void {
  process.stdout.write(`BENCH_JSON ${JSON.stringify(t)}\n`)
}

/** Force a full GC (benches run with --expose-gc). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

/** Process CPU time (user + system) in microseconds. */
export function cpuMicros(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

export function fmt(n: number, digits = 2): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}
