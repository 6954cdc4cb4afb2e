// Memory of a bench server process once it has settled: after forced GCs
// and after V8's memory reducer gave back the young generation a burst of
// connections grew. A scavenge-heavy burst (thousands of handshakes) grows
// the new space from ~1 MiB to 16–32 MiB, and it stays committed until the
// process has been quiet for a while (measured here: 1,900 edge sessions
// read +6.6 KB/session of RSS at once, ~0 of it 40 s later). A gateway with
// idle sessions lives in the settled state, so that is what the idle bench
// reports; the wait and the new space left are reported beside it.
import { getHeapSpaceStatistics } from 'node:v8'
import { smoke } from '@tessera/testkit/bench'

export interface SettledMemory {
  rss: number
  heapUsed: number
  /** Young generation still committed when measured, KiB. */
  newSpaceKiB: number
  /** How long the process waited for the memory reducer, ms. */
  waitedMs: number
}

function gcHard(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) for (let i = 0; i < 4; i++) g()
}

const newSpaceKiB = (): number =>
  Math.round(
    (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0) / 1024,
  )

/** Wait (at most `maxWaitMs`; 2 s in a smoke run) until the new space is ≤ 1 MiB, then measure. */
export async function settledMemory(maxWaitMs = smoke ? 2_000 : 60_000): Promise<SettledMemory> {
  const t0 = Date.now()
  gcHard()
  while (newSpaceKiB() > 1024 && Date.now() - t0 < maxWaitMs) await new Promise((r) => setTimeout(r, 500))
  gcHard()
  await new Promise((r) => setTimeout(r, 300))
  gcHard()
  const mu = process.memoryUsage()
  return { rss: mu.rss, heapUsed: mu.heapUsed, newSpaceKiB: newSpaceKiB(), waitedMs: Date.now() - t0 }
}
