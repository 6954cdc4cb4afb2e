import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { type TimerHandle, TimerWheel } from './timer-wheel.js'

// The wheel against a reference model: a list of pending timers, fired by
// (deadline, scheduling sequence) one tick at a time. Both run the same
// random program of adds, cancels and clock advances; callbacks can cancel
// other timers or add new ones. Fired (tick, timer) sequences, cancel results
// and sizes must match exactly.

type Action =
  | { kind: 'none' }
  | { kind: 'cancel'; target: number }
  | { kind: 'add'; delay: number; every: number }
type Op =
  | { op: 'add'; delay: number; every: number; action: Action }
  | { op: 'cancel'; target: number }
  | { op: 'advance'; ms: number }

interface ModelTimer {
  key: number
  deadline: number
  seq: number
  every: number
  action: Action
}

class Model {
  current = 0
  now = 0
  seq = 0
  pending = new Map<number, ModelTimer>()

  add(key: number, delay: number, every: number, action: Action): void {
    // Delays count from the clock, also for timers added by callbacks run late.
    const deadline = Math.max(this.current + 1, this.now + delay)
    this.pending.set(key, { key, deadline, seq: this.seq++, every, action })
  }

  cancel(key: number): boolean {
    return this.pending.delete(key)
  }

  advance(ms: number, run: (t: ModelTimer) => void): void {
    this.now += ms
    for (;;) {
      let min = Number.POSITIVE_INFINITY
      for (const t of this.pending.values()) min = Math.min(min, t.deadline)
      if (min > this.now) break
      this.current = min
      const due = [...this.pending.values()].filter((t) => t.deadline === min).sort((a, b) => a.seq - b.seq)
      for (const t of due) {
        if (this.pending.get(t.key) !== t) continue // cancelled by an earlier callback this tick
        if (t.every > 0) {
          t.deadline += t.every
          t.seq = this.seq++
        } else {
          this.pending.delete(t.key)
        }
        run(t)
      }
    }
    this.current = this.now
  }
}

const delayArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000_000 }) },
)
const everyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 700 }) },
)
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), target: fc.nat(60) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('add' as const), delay: delayArb, every: fc.constant(0) }),
  },
)
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      delay: delayArb,
      every: everyArb,
      action: actionArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), target: fc.nat(60) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: delayArb }) },
)

const REPEAT_RUNS = 6

interface Layout {
  level0Bits?: number
  slotBits?: number
}

function run(layout: Layout, ops: Op[]): void {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock, ...layout, initialCapacity: 16 })
  const model = new Model()
  const handles: TimerHandle[] = []
  const wheelLog: string[] = []
  const modelLog: string[] = []
  const fires = new Map<string[], Map<number, number>>()
  // A callback's key is its index in `handles`; actions resolve against it.
  const perform = (
    action: Action,
    log: string[],
    key: number,
    tick: number,
    cancel: (k: number) => boolean,
    add: (d: number, e: number) => void,
  ) => {
    log.push(`${tick}:${key}`)
    // Repeating timers cancel themselves after a few runs, bounding the work of long advances.
    const runs = (fires.get(log) ?? new Map<number, number>()).set(key, (fires.get(log)?.get(key) ?? 0) + 1)
    fires.set(log, runs)
    if (runs.get(key)! >= REPEAT_RUNS) cancel(key)
    if (action.kind === 'cancel') log.push(`  cancel ${action.target}=${cancel(action.target)}`)
    else if (action.kind === 'add') add(action.delay, action.every)
  }
  // Children spawned from callbacks get keys in the same order in both runs,
  // because both fire in the same order (which is what is being checked).
  let wheelNextKey = 0
  let modelNextKey = 0
  const wheelAdd = (delay: number, every: number, action: Action) => {
    const key = wheelNextKey++
    const cb = () =>
      perform(
        action,
        wheelLog,
        key,
        wheel.elapsedMs,
        (k) => (handles[k] === undefined ? false : wheel.cancel(handles[k]!)),
        (d, e) => wheelAdd(d, e, { kind: 'none' }),
      )
    handles[key] =
      every > 0 ? wheel.every(every, cb, { firstDelayMs: delay }) : wheel.after(delay, cb, undefined)
  }
  const modelAdd = (delay: number, every: number, action: Action) => {
    model.add(modelNextKey++, delay, every, action)
  }
  const modelRun = (t: ModelTimer) =>
    perform(
      t.action,
      modelLog,
      t.key,
      model.current,
      (k) => model.cancel(k),
      (d, e) => modelAdd(d, e, { kind: 'none' }),
    )

  for (const o of ops) {
    if (o.op === 'add') {
      wheelAdd(o.delay, o.every, o.action)
      modelAdd(o.delay, o.every, o.action)
    } else if (o.op === 'cancel') {
      const h = handles[o.target]
      const w = h === undefined ? false : wheel.cancel(h)
      expect(w).toBe(model.cancel(o.target))
    } else {
      clock.advance(o.ms)
      wheel.advance()
      model.advance(o.ms, modelRun)
      expect(wheelLog).toEqual(modelLog)
    }
    expect(wheel.size).toBe(model.pending.size)
  }
  // Drain: run far enough that every one-shot fires.
  clock.advance(60_000_000)
  wheel.advance()
  model.advance(60_000_000, modelRun)
  expect(wheelLog).toEqual(modelLog)
  expect(wheel.size).toBe(model.pending.size)
}

describe('TimerWheel against a reference model', () => {
  // Uniform small wheels cascade constantly; mixed ones have a level 0 wider
  // or narrower than the levels above it; {} is the default (4096 + 256s).
  const layouts: Layout[] = [
    { slotBits: 1 },
    { slotBits: 2 },
    { slotBits: 3 },
    { slotBits: 8 },
    { level0Bits: 4, slotBits: 2 },
    { level0Bits: 1, slotBits: 3 },
    { level0Bits: 12, slotBits: 1 },
    {},
  ]
  for (const layout of layouts) {
    it(`fires the same timers in the same order per tick (${JSON.stringify(layout)})`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => run(layout, ops)),
        { numRuns: 150 },
      )
    })
  }
})
