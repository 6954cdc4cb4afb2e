// TimerWheel vs Node's setTimeout/clearTimeout: schedule N timers with random
// delays, cancel every other one, let the rest fire.
//
// Fairness: both sides get the same delays (1..1000 ms, seeded), the same
// shared callback (no closure per timer) and keep their handles in the same
// kind of pre-allocated array. Node's timers can only fire in real time, so
// the headline comparison drives the wheel in real time too (systemClock +
// start(): one Node timeout re-armed per due tick) and compares process CPU
// time for schedule + cancel + fire; both sides spend the same ~1 s waiting,
// which is idle, not work. The wheel driven by a ManualClock (virtual time,
// no waiting) shows the raw cost of the same work in wall time. Memory is
// measured in a separate pass (schedule all, force GC, heapUsed + external
// minus the baseline) so the GC pause cannot let timers fire before the
// cancel phase of the timed pass.
import { cpuMicros, fmt, gc, report, smoke } from '@tessera/testkit/bench'
// Relative import: the timer folder is measured directly from its public surface.
import { type Clock, ManualClock, systemClock, TimerWheel, TurnCachedClock } from '../src/timer/index.js'

const N = smoke ? 20_000 : 1_000_000
const MAX_DELAY = smoke ? 100 : 1000
const LONG_MAX_DELAY = 60_000

function delays(n: number, max: number, seed: number): Float64Array {
  // xorshift32: same sequence for every implementation.
  let x = seed
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = 1 + ((x >>> 0) % max)
  }
  return out
}

function heapBytes(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

let fired = 0
const onFire = () => {
  fired++
}

interface Timers {
  schedule(delay: number): unknown
  cancel(handle: unknown): void
  /** Resolves once `expected` callbacks have run. */
  drain(expected: number): Promise<void>
  dispose(): void
}

function nodeTimers(): Timers {
  return {
    schedule: (d) => setTimeout(onFire, d),
    cancel: (h) => clearTimeout(h as NodeJS.Timeout),
    drain: (expected) => waitFor(expected),
    dispose: () => {},
  }
}

function realWheel(clock: Clock): Timers {
  const wheel = new TimerWheel({ clock })
  wheel.start()
  return {
    schedule: (d) => wheel.after(d, onFire),
    cancel: (h) => wheel.cancel(h as never),
    drain: (expected) => waitFor(expected),
    dispose: () => {
      wheel.clear()
      wheel.stop()
    },
  }
}

function manualWheel(): Timers {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock })
  return {
    schedule: (d) => wheel.after(d, onFire),
    cancel: (h) => wheel.cancel(h as never),
    drain: async (expected) => {
      // Step 1 ms at a time, as a real driver ticking every millisecond would.
      while (fired < expected) {
        clock.advance(1)
        wheel.advance()
      }
    },
    dispose: () => wheel.clear(),
  }
}

function waitFor(expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000
    const poll = () => {
      if (fired >= expected) resolve()
      else if (Date.now() > deadline) reject(new Error(`only ${fired}/${expected} timers fired in 60 s`))
      else setTimeout(poll, 5)
    }
    poll()
  })
}

interface Timing {
  scheduleMs: number
  cancelMs: number
  fireMs: number
  cpuMs: number
}

/** Full GC, then again once V8 has had time to free array buffers in the background. */
async function settle(): Promise<void> {
  gc()
  await new Promise((r) => setTimeout(r, 50))
  gc()
}

/** Heap + external bytes per timer with all `ds` scheduled, after a forced GC. */
async function measureMemory(make: () => Timers, ds: Float64Array, handles: unknown[]): Promise<number> {
  await settle()
  const before = heapBytes()
  const t = make()
  for (let i = 0; i < ds.length; i++) handles[i] = t.schedule(ds[i]!)
  await settle()
  const bytes = heapBytes() - before
  for (let i = 0; i < ds.length; i++) t.cancel(handles[i])
  t.dispose()
  handles.fill(undefined)
  return bytes / ds.length
}

/** Schedule all, cancel every other one, wait for the rest to fire. */
async function measureTime(make: () => Timers, ds: Float64Array, handles: unknown[]): Promise<Timing> {
  const n = ds.length
  gc()
  fired = 0
  const t = make()
  const cpu0 = cpuMicros()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) handles[i] = t.schedule(ds[i]!)
  const t1 = performance.now()
  for (let i = 0; i < n; i += 2) t.cancel(handles[i])
  const t2 = performance.now()
  await t.drain(n >>> 1)
  const t3 = performance.now()
  const cpuMs = (cpuMicros() - cpu0) / 1000
  if (fired !== n >>> 1) throw new Error(`fired ${fired}, expected ${n >>> 1}`)
  t.dispose()
  handles.fill(undefined)
  return { scheduleMs: t1 - t0, cancelMs: t2 - t1, fireMs: t3 - t2, cpuMs }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

const impls: { name: string; time: string; make: () => Timers; ds: Float64Array }[] = []
const ds = delays(N, MAX_DELAY, 0x9e3779b9)
impls.push(
  { name: 'Node setTimeout/clearTimeout (baseline)', time: `real, 1..${MAX_DELAY} ms`, make: nodeTimers, ds },
  {
    name: 'TimerWheel, start() driver, systemClock',
    time: `real, 1..${MAX_DELAY} ms`,
    make: () => realWheel(systemClock),
    ds,
  },
  {
    name: 'TimerWheel, start() driver, TurnCachedClock',
    time: `real, 1..${MAX_DELAY} ms`,
    make: () => realWheel(new TurnCachedClock(systemClock)),
    ds,
  },
  { name: 'TimerWheel, ManualClock 1 ms steps', time: `virtual, 1..${MAX_DELAY} ms`, make: manualWheel, ds },
  {
    name: 'TimerWheel, ManualClock 1 ms steps',
    time: `virtual, 1..${LONG_MAX_DELAY} ms`,
    make: manualWheel,
    ds: delays(N, LONG_MAX_DELAY, 0x85ebca6b),
  },
)

const handles: unknown[] = new Array(N).fill(undefined)
// Warm-up at a small size so the JIT has compiled every path before timing.
const warm = delays(20_000, 20, 1)
for (const impl of impls) await measureTime(impl.make, warm, handles)
const memory: number[] = []
for (const impl of impls) memory.push(await measureMemory(impl.make, impl.ds, handles))
// Rounds interleave the implementations so a noisy neighbour hurts all alike; medians are reported.
const ROUNDS = smoke ? 1 : 3
const timings: Timing[][] = impls.map(() => [])
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, impl] of impls.entries()) timings[i]!.push(await measureTime(impl.make, impl.ds, handles))
}
const med = timings.map((ts) => ({
  scheduleMs: median(ts.map((t) => t.scheduleMs)),
  cancelMs: median(ts.map((t) => t.cancelMs)),
  fireMs: median(ts.map((t) => t.fireMs)),
  cpuMs: median(ts.map((t) => t.cpuMs)),
}))

const [node, real, cached, virtual] = med as [Timing, Timing, Timing, Timing]
const cpuRatio = node.cpuMs / real.cpuMs
const cachedRatio = node.cpuMs / cached.cpuMs
const virtualWall = virtual.scheduleMs + virtual.cancelMs + virtual.fireMs
const scRatio = (node.scheduleMs + node.cancelMs) / (real.scheduleMs + real.cancelMs)
const memRatio = memory[0]! / memory[1]!

report({
  title: `Timers: schedule ${fmt(N, 0)}, cancel half, fire the rest`,
  command: 'pnpm bench timer',
  columns: [
    'implementation',
    'time',
    'schedule ms',
    'cancel ms',
    'fire ms (wall)',
    'CPU ms total',
    'bytes/timer',
    `MB for ${fmt(N, 0)}`,
  ],
  rows: impls.map((impl, i) => [
    impl.name,
    impl.time,
    fmt(med[i]!.scheduleMs, 1),
    fmt(med[i]!.cancelMs, 1),
    fmt(med[i]!.fireMs, 1),
    fmt(med[i]!.cpuMs, 1),
    fmt(memory[i]!, 1),
    fmt((memory[i]! * N) / 2 ** 20, 1),
  ]),
  notes: [
    `CPU time for schedule + cancel + fire, both in real time: Node / TimerWheel = ${fmt(cpuRatio, 1)}x with systemClock, ${fmt(cachedRatio, 1)}x with TurnCachedClock (reads the clock once per event-loop turn, as Node's timers do).`,
    `Wall time of schedule + cancel: Node / TimerWheel (systemClock) = ${fmt(scRatio, 1)}x.`,
    `All the work without the waiting: TimerWheel on a ManualClock takes ${fmt(virtualWall, 1)} ms wall for schedule + cancel + fire; Node's timers use ${fmt(node.cpuMs, 1)} ms of CPU = ${fmt(node.cpuMs / virtualWall, 1)}x.`,
    `Memory with all timers scheduled (heapUsed + external after forced GC, minus baseline): Node / TimerWheel = ${fmt(memRatio, 1)}x.`,
    `Medians of ${ROUNDS} interleaved rounds. Real-time fire wall time is mostly waiting for the delays (the same for both); compare CPU.`,
    'Same seeded delays and one shared callback for every implementation; handles kept in the same pre-allocated array.',
  ],
})
console.log(
  `node cpu ${fmt(node.cpuMs)} ms, wheel cpu ${fmt(real.cpuMs)} ms → ${fmt(cpuRatio, 1)}x (cached clock ${fmt(cachedRatio, 1)}x); memory ${fmt(memory[0]!)} vs ${fmt(memory[1]!)} B/timer → ${fmt(memRatio, 1)}x`,
)
