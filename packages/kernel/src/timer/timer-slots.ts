import { TimerCapacity } from './errors.js'

// Layout of one timer record: four int32 fields in one Int32Array, so the
// fields a timer touches share a cache line even when a long-running wheel
// hands out slots in scattered order. Everything that indexes records lives
// in this module: constants imported across modules can compile to getter
// calls under CommonJS interop or test runners, which costs on hot paths.
const NEXT = 0
const PREV = 1
/** Low 32 bits of the deadline tick (see {@link TimerSlots.due}). */
const DUE = 2
/** Generation (low 26 bits) and flags. */
const META = 3
const REPEAT = 1 << 26
/** The deadline is more than 2^32 ticks ahead and lives in `longDue`. */
const LONG = 1 << 27
const GEN_MASK = (1 << 26) - 1
/** Handle = generation × SLOT_SPACE + slot: 26 + 27 bits, exact in a double. */
const SLOT_SPACE = 2 ** 27
/** PREV of a slot on the free list. */
const FREE = -1
const SHORT_SPAN = 2 ** 32
// Callbacks and arguments live in fixed-size chunks: growing never copies
// them, and argument chunks exist only where some timer has an argument.
// 2^14 entries (128 KiB) puts each chunk straight into V8's large-object
// space, so scavenges never copy it.
const CHUNK_BITS = 14
const CHUNK = 1 << CHUNK_BITS
const CHUNK_MASK = CHUNK - 1

type Chunk = unknown[]

/**
 * A timer's handle: a plain number (slot index + generation, or for a direct
 * level-0 timer a negative position + chunk generation), so scheduling
 * allocates no handle object; cancel with `wheel.cancel(handle)`. A handle
 * whose timer has fired or been cancelled never matches a later timer that
 * reuses the slot or position (until its 26-bit generation wraps, 67M reuses
 * later).
 */
export type TimerHandle = number & { readonly __timerHandle: unique symbol }

/** Called with the argument given at scheduling time and the timer's own handle. */
export type TimerCallback<A = undefined> = (arg: A, handle: TimerHandle) => void

/** What firing a timer needs from its wheel. */
export interface TimerRunner {
  /** File repeating timer `slot` (already given its next deadline `due`) into its bucket. */
  refile(slot: number, due: number): void
  reportError(err: unknown, handle: TimerHandle): void
}

/**
 * Records of the timers a TimerWheel cannot store inline in a level-0 bucket
 * (repeating timers and those due beyond level 0's span): records, callbacks
 * and arguments indexed by slot, circular doubly-linked lists through
 * NEXT/PREV for the upper levels' buckets (slots below `firstSlot` are the
 * lists' sentinels), or in PREV the position in a level-0 bucket (see
 * {@link setPos}), a free list threaded through NEXT, and a generation per
 * slot so stale handles never match a reused slot. Not a public API.
 */
export class TimerSlots {
  private rec: Int32Array
  private readonly callbacks: Chunk[] = []
  private readonly args: (Chunk | undefined)[] = []
  /** Interval in ticks of repeating timers (flagged REPEAT); sparse, as most timers are one-shot. */
  private readonly intervals = new Map<number, number>()
  /** Full deadlines of timers flagged LONG (more than ~49 days ahead at 1 ms ticks). */
  private readonly longDue = new Map<number, number>()
  readonly firstSlot: number
  highWater: number
  count = 0
  private capacity: number
  private freeHead = FREE

  constructor(sentinels: number, initialCapacity: number) {
    this.firstSlot = sentinels
    this.capacity = sentinels + Math.max(16, initialCapacity)
    this.rec = new Int32Array(this.capacity * 4)
    for (let s = 0; s < sentinels; s++) {
      this.rec[(s << 2) + NEXT] = s
      this.rec[(s << 2) + PREV] = s
    }
    for (let c = 0; c <= sentinels >>> CHUNK_BITS; c++) this.addChunk()
    this.highWater = sentinels
  }

  /** Handle of the timer in `slot`. */
  handle(slot: number): TimerHandle {
    return ((this.rec[(slot << 2) + META]! & GEN_MASK) * SLOT_SPACE + slot) as TimerHandle
  }

  isLive(slot: number): boolean {
    return this.rec[(slot << 2) + PREV] !== FREE
  }

  /** Repeat interval in ticks, or 0 for a one-shot timer. */
  interval(slot: number): number {
    return (this.rec[(slot << 2) + META]! & REPEAT) === 0 ? 0 : this.intervals.get(slot)!
  }

  /** Append `slot` at the tail of the list whose sentinel is `head`. */
  append(head: number, slot: number): void {
    const rec = this.rec
    const hb = head << 2
    const tail = rec[hb + PREV]!
    rec[(tail << 2) + NEXT] = slot
    rec[(slot << 2) + PREV] = tail
    rec[(slot << 2) + NEXT] = head
    rec[hb + PREV] = slot
  }

  /** Take `slot` off its list; returns the list's sentinel if that left it empty, else -1. */
  unlink(slot: number): number {
    const rec = this.rec
    const p = rec[(slot << 2) + PREV]!
    const n = rec[(slot << 2) + NEXT]!
    rec[(p << 2) + NEXT] = n
    rec[(n << 2) + PREV] = p
    return p === n ? p : -1
  }

  /** Move every slot of list `from` onto list `to` (which must be empty); false if `from` was empty. */
  moveAll(from: number, to: number): boolean {
    const rec = this.rec
    const fb = from << 2
    const first = rec[fb + NEXT]!
    if (first === from) return false
    const last = rec[fb + PREV]!
    const tb = to << 2
    rec[tb + NEXT] = first
    rec[(first << 2) + PREV] = to
    rec[tb + PREV] = last
    rec[(last << 2) + NEXT] = to
    rec[fb + NEXT] = from
    rec[fb + PREV] = from
    return true
  }

  /** Remove and return the first slot of list `head`, or `head` itself when the list is empty. */
  shift(head: number): number {
    const rec = this.rec
    const slot = rec[(head << 2) + NEXT]!
    if (slot !== head) {
      const after = rec[(slot << 2) + NEXT]!
      rec[(head << 2) + NEXT] = after
      rec[(after << 2) + PREV] = head
    }
    return slot
  }

  /** The slot of a live timer named by `handle`, or -1. */
  live(handle: number): number {
    // Division by a power of two and floor are exact; `%` on doubles would be a slow fmod call.
    const gen = Math.floor(handle / SLOT_SPACE)
    const slot = handle - gen * SLOT_SPACE
    if (!(slot >= this.firstSlot && slot < this.highWater) || (slot | 0) !== slot) return -1
    const b = slot << 2
    if (this.rec[b + PREV] === FREE || (this.rec[b + META]! & GEN_MASK) !== gen) return -1
    return slot
  }

  allocate(cb: TimerCallback<unknown>, arg: unknown): number {
    let slot = this.freeHead
    if (slot !== FREE) {
      this.freeHead = this.rec[(slot << 2) + NEXT]!
    } else {
      if (this.highWater === this.capacity) this.grow()
      // Generation 0: a fresh slot's handle is the slot index itself, a small
      // integer V8 stores unboxed (generations up to 7 stay below 2^30, too).
      slot = this.highWater++
      if (slot >>> CHUNK_BITS === this.callbacks.length) this.addChunk()
    }
    this.callbacks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = cb
    if (arg !== undefined) {
      let chunk = this.args[slot >>> CHUNK_BITS]
      if (chunk === undefined) {
        chunk = new Array(CHUNK).fill(undefined)
        this.args[slot >>> CHUNK_BITS] = chunk
      }
      chunk[slot & CHUNK_MASK] = arg
    }
    this.count++
    return slot
  }

  release(slot: number): void {
    const b = slot << 2
    const meta = this.rec[b + META]!
    if ((meta & REPEAT) !== 0) this.intervals.delete(slot)
    if ((meta & LONG) !== 0) this.longDue.delete(slot)
    this.rec[b + META] = ((meta & GEN_MASK) + 1) & GEN_MASK
    this.rec[b + PREV] = FREE
    this.rec[b + NEXT] = this.freeHead
    this.freeHead = slot
    this.callbacks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] = undefined
    const args = this.args[slot >>> CHUNK_BITS]
    if (args !== undefined) args[slot & CHUNK_MASK] = undefined
    this.count--
  }

  /** Record that `slot` sits at position `pos` of a level-0 bucket (see TimerBuckets). */
  setPos(slot: number, pos: number): void {
    this.rec[(slot << 2) + PREV] = -2 - pos
  }

  /** Position of live `slot` in a level-0 bucket, or -1 if it is on a list. */
  posOf(slot: number): number {
    const p = this.rec[(slot << 2) + PREV]!
    return p <= -2 ? -2 - p : -1
  }

  /**
   * Fire timer `slot`, already taken out of its bucket: a one-shot timer is
   * released, a repeating one gets its next deadline and is handed to
   * `runner.refile` before its callback runs (so a callback can cancel its
   * own timer like any other).
   */
  fire(slot: number, current: number, runner: TimerRunner): void {
    const rec = this.rec
    const b = slot << 2
    const meta = rec[b + META]!
    const gen = meta & GEN_MASK
    const handle = (gen * SLOT_SPACE + slot) as TimerHandle
    const chunk = this.callbacks[slot >>> CHUNK_BITS]!
    const i = slot & CHUNK_MASK
    const cb = chunk[i] as TimerCallback<unknown>
    const args = this.args[slot >>> CHUNK_BITS]
    let arg: unknown
    if (args !== undefined) arg = args[i]
    if ((meta & REPEAT) !== 0) {
      const due = this.due(slot, current) + this.intervals.get(slot)!
      this.setDue(slot, due, current)
      runner.refile(slot, due)
    } else {
      this.release(slot)
    }
    try {
      cb(arg, handle)
    } catch (err) {
      runner.reportError(err, handle)
    }
  }

  callback(slot: number): TimerCallback<unknown> {
    return this.callbacks[slot >>> CHUNK_BITS]![slot & CHUNK_MASK] as TimerCallback<unknown>
  }

  arg(slot: number): unknown {
    const args = this.args[slot >>> CHUNK_BITS]
    return args === undefined ? undefined : args[slot & CHUNK_MASK]
  }

  setRepeat(slot: number, intervalTicks: number): void {
    this.rec[(slot << 2) + META]! |= REPEAT
    this.intervals.set(slot, intervalTicks)
  }

  /** Store deadline tick `due`; `current` is the wheel's tick, at most `due`. */
  setDue(slot: number, due: number, current: number): void {
    const b = slot << 2
    if (due - current < SHORT_SPAN) {
      // Only the low 32 bits: due() rebuilds the rest from the current tick.
      this.rec[b + DUE] = due | 0
      if ((this.rec[b + META]! & LONG) !== 0) {
        this.rec[b + META]! &= ~LONG
        this.longDue.delete(slot)
      }
    } else {
      this.rec[b + META]! |= LONG
      this.longDue.set(slot, due)
    }
  }

  /** Deadline tick of `slot`, given a `current` tick not after it (and less than 2^32 ticks before it). */
  due(slot: number, current: number): number {
    const b = slot << 2
    if ((this.rec[b + META]! & LONG) !== 0) return this.longDue.get(slot)!
    return current + ((this.rec[b + DUE]! - current) >>> 0)
  }

  private addChunk(): void {
    this.callbacks.push(new Array(CHUNK).fill(undefined))
    this.args.push(undefined)
  }

  private grow(): void {
    // Half again each time: a smaller unused tail than doubling, for a few more copies.
    const cap = Math.min(Math.ceil(this.capacity * 1.5), SLOT_SPACE)
    if (cap === this.capacity) throw new TimerCapacity(this.count)
    const rec = new Int32Array(cap * 4)
    rec.set(this.rec)
    this.rec = rec
    this.capacity = cap
  }
}
