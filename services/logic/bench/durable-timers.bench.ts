// 1M durable timers put on the wheel as their players log in: the logic's
// TimerSchedule on the kernel TimerWheel beside the same bookkeeping on
// Node's setTimeout, in the same run. Each of P players holds 10 pending
// timers (due in 1 min..8 h) in its player_timer book, a JSON document as
// the database returns it; "load" parses the book and schedules its timers
// (what the `joined` hook does), "drop" takes a player's timers off again
// (what `left` does). Memory: heap after a full GC, minus the same books
// parsed and kept with no timer scheduled (the baseline row).

import { systemClock, TimerWheel } from '@tessera/kernel'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
import { type BookTimer, type TimerBook, TimerSchedule } from '../src/features/timers/index.js'

const N = smoke ? 20_000 : 1_000_000
const PER_PLAYER = 10
const PLAYERS = N / PER_PLAYER
const now = Date.now()

function books(): string[] {
  // xorshift32: the same due times for every implementation.
  let x = 2463534242
  const out: string[] = []
  let id = 0
  for (let p = 0; p < PLAYERS; p++) {
    const pending: BookTimer[] = []
    for (let i = 0; i < PER_PLAYER; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      const dueMs = now + 60_000 + ((x >>> 0) % (8 * 3600_000))
      pending.push({ id: ++id, kind: 'upgrade', key: `b${i}`, setMs: now, dueMs })
    }
    out.push(JSON.stringify({ seq: id, pending, effects: {} } satisfies TimerBook))
  }
  return out
}

interface Schedule {
  add(uid: bigint, t: BookTimer): void
  drop(uid: bigint): number
}

/** The same per-player bookkeeping as TimerSchedule, on setTimeout/clearTimeout. */
class TimeoutSchedule implements Schedule {
  private readonly byUser = new Map<bigint, Map<number, NodeJS.Timeout>>()
  add(uid: bigint, t: BookTimer): void {
    let m = this.byUser.get(uid)
    if (m === undefined) {
      m = new Map()
      this.byUser.set(uid, m)
    }
    const arg = { uid, id: t.id }
    // Node's setTimeout (the DOM typing of tests does not know its argument overload).
    m.set(t.id, setTimeout(onDue, Math.max(0, t.dueMs - Date.now()), arg) as unknown as NodeJS.Timeout)
  }
  drop(uid: bigint): number {
    const m = this.byUser.get(uid)
    if (m === undefined) return 0
    for (const h of m.values()) clearTimeout(h)
    this.byUser.delete(uid)
    return m.size
  }
}

let fired = 0
function onDue(): void {
  fired++
}

interface Result {
  name: string
  loadMs: number
  dropMs: number
  bytes: number
}

function heap(): number {
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.external
}

function run(name: string, json: string[], make: (() => Schedule) | null): Result {
  const base = heap()
  const kept: TimerBook[] = new Array(PLAYERS)
  const s = make?.()
  const t0 = performance.now()
  for (let p = 0; p < PLAYERS; p++) {
    const book = JSON.parse(json[p]!) as TimerBook
    kept[p] = book
    if (s) for (const t of book.pending) s.add(BigInt(p + 1), t)
  }
  const loadMs = performance.now() - t0
  const bytes = heap() - base
  const t1 = performance.now()
  if (s) for (let p = 0; p < PLAYERS; p++) s.drop(BigInt(p + 1))
  const dropMs = performance.now() - t1
  kept.length = 0
  return { name, loadMs, dropMs, bytes }
}

const json = books()
const wheel = new TimerWheel({ clock: systemClock })
const results: Result[] = []
// Twice each, in alternation; the second pass is kept (warm code, settled heap).
for (let pass = 0; pass < 2; pass++) {
  results.length = 0
  results.push(run('books parsed, no timers (baseline)', json, null))
  results.push(
    run('TimerSchedule on the kernel TimerWheel', json, () => new TimerSchedule(wheel, systemClock, onDue)),
  )
  results.push(run('same bookkeeping on setTimeout', json, () => new TimeoutSchedule()))
}
if (fired !== 0) throw new Error(`${fired} timers fired during the run`)
wheel.clear()

const books0 = results[0]!
report({
  title: `Durable timers: ${fmt(N, 0)} pending timers of ${fmt(PLAYERS, 0)} players put on the wheel at login`,
  command: 'pnpm bench durable-timers',
  columns: [
    'implementation',
    'load ms (parse + schedule)',
    'µs per player login',
    'drop ms (all log out)',
    'heap MB',
    'timer bytes each',
  ],
  rows: results.map((r) => [
    r.name,
    fmt(r.loadMs, 0),
    fmt((r.loadMs * 1000) / PLAYERS, 2),
    r === books0 ? '-' : fmt(r.dropMs, 0),
    fmt(r.bytes / 1e6, 1),
    r === books0 ? '-' : fmt((r.bytes - books0.bytes) / N, 1),
  ]),
  notes: [
    `${PER_PLAYER} timers per player, due in 1 min..8 h; the heap counts the parsed books too (the baseline row is that alone), "timer bytes each" is the rest divided by the timers.`,
    'Only the timers of loaded players are scheduled; an offline player costs no wheel entry and no database poll (its due timers fire at its next login).',
  ],
})
