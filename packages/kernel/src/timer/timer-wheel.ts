import type { Clock } from './clock.js'
import { TimerBadDelay, TimerBadInterval, TimerBadOptions } from './errors.js'
import { TimerBuckets } from './timer-buckets.js'
import { type TimerCallback, type TimerHandle, type TimerRunner, TimerSlots } from './timer-slots.js'

export type { TimerCallback, TimerHandle }

export interface TimerWheelOptions {
  /** Time source; the wheel reads only `clock.monotonic()`. */
  clock: Clock
  /** Resolution in ms (default 1). Delays are rounded up to whole ticks. */
  tickMs?: number
  /**
   * log2 of the slots of level 0, the level timers fire from (default 12 = 4096
   * ticks, ~4 s at 1 ms; when only `slotBits` is given, the same as it). Timers
   * due within its span never cascade, which covers most timers a game server
   * sets; wider costs 20 bytes per slot and a longer bitmap scan when idle.
   */
  level0Bits?: number
  /** log2 of the slots of each upper level (default 8 = 256 slots); small values exist for tests. */
  slotBits?: number
  /** Timer slots to allocate up front (default 1024); the wheel grows by half each time it fills. */
  initialCapacity?: number
  /** Receives what a callback threw; the wheel carries on. Default: write to stderr. */
  onError?: (err: unknown, handle: TimerHandle) => void
  /** Whether the driver timer of {@link TimerWheel.start} keeps the process alive (default false). */
  ref?: boolean
}

export interface EveryOptions<A> {
  /** Delay before the first run (default: one interval). */
  firstDelayMs?: number
  /** Passed to the callback; lets many timers share one function instead of a closure each. */
  arg?: A
}

// Deadlines are absolute tick numbers; 48 bits keep every digit computation
// exact in doubles (2^48 ticks at 1 ms is ~8900 years of uptime).
const TICK_BITS = 48
const MAX_DELAY_TICKS = 2 ** 47

function defaultOnError(err: unknown): void {
  process.stderr.write(`[tessera] timer callback threw: ${err instanceof Error ? err.stack : String(err)}\n`)
}

/**
 * Hierarchical timing wheel (Varghese & Lauck, with absolute deadlines).
 *
 * Level 0's buckets ({@link TimerBuckets}) are lists of chunks of inline
 * entries, so firing reads memory sequentially. A one-shot timer due within
 * level 0's span lives only there: its callback inline, its handle its
 * position. Other timers (repeating, or due later) have a 16-byte record in
 * {@link TimerSlots}, linked into one circular list per upper-level bucket,
 * and enter level 0 as a reference to their record. Add and cancel are O(1)
 * (cancel writes a tombstone in level 0); a per-level occupancy bitmap lets
 * {@link advance} jump over empty stretches, so idle time and long clock
 * jumps cost nothing per tick.
 *
 * A timer sits on the lowest level whose higher digits it shares with the
 * current tick; when the current tick enters its digit's range it cascades
 * down, until it fires from level 0. Level 0 is wide by default (4096 ticks)
 * so the short timers that dominate a server fire without ever cascading:
 * each cascade walks every timer of a bucket, a cache miss per timer when
 * there are millions.
 *
 * Guarantees:
 * - a timer never fires before `delayMs` has elapsed on the clock; it fires
 *   at the first tick at or after that, and never in the tick during which
 *   it was added (delay 0 means "next tick", so a callback re-adding itself
 *   with delay 0 cannot loop);
 * - timers due at the same tick fire in the order they were scheduled (a
 *   repeating timer counts as scheduled again when it fires);
 * - ticks are processed in order; a delay always counts from the clock's
 *   time when the timer is added, also inside a callback run late while
 *   {@link advance} catches up;
 * - repeating timers run at a fixed rate (next = previous deadline +
 *   interval): after a stall they catch up, once per missed interval.
 */
export class TimerWheel {
  readonly tickMs: number
  private readonly clock: Clock
  private readonly onError: (err: unknown, handle: TimerHandle) => void
  private readonly ref: boolean
  private readonly origin: number
  /** Slots of level 0 minus one. */
  private readonly mask0: number
  private readonly levels: number
  /** shift[l]: bit where level l's digit starts (0, level0Bits, level0Bits + slotBits, …). */
  private readonly shift: Uint8Array
  /** mask[l]: slots of level l minus one. */
  private readonly mask: Int32Array
  /** pow[l] = 2^shift[l], the ticks one slot of level l spans, as doubles (exact up to 2^53); pow[levels] spans the top level. */
  private readonly pow: Float64Array
  /** Level of a timer whose deadline and current tick first differ at bit b (both < 2^31). */
  private readonly levelOfBit: Uint8Array
  /**
   * Sentinel of upper-level bucket (level ≥ 1, slot) is base[l] + slot; bases
   * are multiples of 32 so bitmaps stay word-aligned. Level 0 has no
   * sentinels: its buckets are {@link TimerBuckets}.
   */
  private readonly base: Int32Array
  private readonly firingList: number
  /** Occupancy bitmap of the upper levels' buckets, indexed by sentinel. */
  private readonly occupied: Uint32Array
  /** Occupancy bitmap of level 0, indexed by digit. */
  private readonly occupied0: Uint32Array
  private readonly slots: TimerSlots
  private readonly buckets: TimerBuckets
  private current = 0
  private firing = false
  private driver: NodeJS.Timeout | undefined
  /** Duration the driver timeout was created with, so re-arming for the same wait can refresh() it. */
  private driverMs = 0
  private readonly wakeFn = () => this.wake()
  private readonly runner: TimerRunner = {
    refile: (slot, due) => this.insert(slot, due),
    reportError: (err, handle) => this.reportError(err, handle),
  }
  private running = false
  /** Tick the driver will wake at; -Infinity when not driving (so scheduling never re-arms). */
  private armedTick = Number.NEGATIVE_INFINITY

  constructor(opts: TimerWheelOptions) {
    const tickMs = opts.tickMs ?? 1
    const bits = opts.slotBits ?? 8
    const bits0 = opts.level0Bits ?? (opts.slotBits === undefined ? 12 : bits)
    if (!(tickMs > 0 && Number.isFinite(tickMs))) throw new TimerBadOptions(`tickMs ${tickMs} must be > 0`)
    if (!(Number.isInteger(bits) && bits >= 1 && bits <= 12)) {
      throw new TimerBadOptions(`slotBits ${bits} must be an integer in 1..12`)
    }
    if (!(Number.isInteger(bits0) && bits0 >= 1 && bits0 <= 16)) {
      throw new TimerBadOptions(`level0Bits ${bits0} must be an integer in 1..16`)
    }
    this.clock = opts.clock
    this.tickMs = tickMs
    this.onError = opts.onError ?? defaultOnError
    this.ref = opts.ref ?? false
    this.origin = opts.clock.monotonic()
    this.mask0 = (1 << bits0) - 1
    const levels = 1 + Math.max(0, Math.ceil((TICK_BITS - bits0) / bits))
    this.levels = levels
    this.shift = new Uint8Array(levels + 1)
    this.mask = new Int32Array(levels)
    this.pow = new Float64Array(levels + 1)
    this.base = new Int32Array(levels)
    let sentinels = 0
    for (let l = 0; l <= levels; l++) {
      this.shift[l] = l === 0 ? 0 : bits0 + (l - 1) * bits
      this.pow[l] = 2 ** this.shift[l]!
      if (l === levels) break
      const size = l === 0 ? 1 << bits0 : 1 << bits
      this.mask[l] = size - 1
      if (l === 0) continue
      this.base[l] = sentinels
      sentinels += Math.max(size, 32)
    }
    this.levelOfBit = new Uint8Array(32)
    for (let b = 0; b < 32; b++) this.levelOfBit[b] = b < bits0 ? 0 : 1 + Math.floor((b - bits0) / bits)
    this.firingList = sentinels
    this.occupied = new Uint32Array((this.firingList >>> 5) + 1)
    this.occupied0 = new Uint32Array(Math.max(1, (1 << bits0) >>> 5))
    this.slots = new TimerSlots(this.firingList + 1, opts.initialCapacity ?? 1024)
    this.buckets = new TimerBuckets(1 << bits0)
  }

  /** Number of scheduled (not yet fired or cancelled) timers. */
  get size(): number {
    return this.slots.count + this.buckets.count
  }

  /** Milliseconds of wheel time processed so far (ticks × tickMs since construction). */
  get elapsedMs(): number {
    return this.current * this.tickMs
  }

  /** Run `cb(arg, handle)` once, `delayMs` from now. */
  after(delayMs: number, cb: () => void): TimerHandle
  after<A>(delayMs: number, cb: TimerCallback<A>, arg: A): TimerHandle
  after<A>(delayMs: number, cb: TimerCallback<A>, arg?: A): TimerHandle {
    if (!(delayMs >= 0 && delayMs <= MAX_DELAY_TICKS * this.tickMs)) throw new TimerBadDelay('delay', delayMs)
    return this.schedule(delayMs, 0, cb as TimerCallback<unknown>, arg)
  }

  /** Run `cb(arg, handle)` every `intervalMs` (fixed rate) until cancelled. */
  every<A = undefined>(intervalMs: number, cb: TimerCallback<A>, opts?: EveryOptions<A>): TimerHandle {
    if (!(intervalMs > 0 && intervalMs <= MAX_DELAY_TICKS * this.tickMs))
      throw new TimerBadInterval(intervalMs)
    const first = opts?.firstDelayMs ?? intervalMs
    if (!(first >= 0 && first <= MAX_DELAY_TICKS * this.tickMs)) throw new TimerBadDelay('first delay', first)
    const ticks = Math.max(1, Math.ceil(intervalMs / this.tickMs))
    return this.schedule(first, ticks, cb as TimerCallback<unknown>, opts?.arg)
  }

  /** Cancel a pending timer. Returns false if it already fired, was cancelled, or the handle is stale. */
  cancel(handle: TimerHandle): boolean {
    if (handle < 0) {
      const pos = this.buckets.find(handle)
      if (pos < 0) return false
      this.tombstone(pos)
      return true
    }
    const slot = this.slots.live(handle)
    if (slot < 0) return false
    const pos = this.slots.posOf(slot)
    if (pos >= 0) this.tombstone(pos)
    else this.unlink(slot)
    this.slots.release(slot)
    return true
  }

  /** Whether `handle` names a timer that is still scheduled. */
  isActive(handle: TimerHandle): boolean {
    return handle < 0 ? this.buckets.find(handle) >= 0 : this.slots.live(handle) >= 0
  }

  /** Cancel every timer. */
  clear(): void {
    const s = this.slots
    this.buckets.clear(s)
    this.occupied0.fill(0)
    // What is left lives on the upper levels' lists.
    for (let slot = s.firstSlot; slot < s.highWater; slot++) {
      if (s.isLive(slot)) {
        this.unlink(slot)
        s.release(slot)
      }
    }
  }

  /**
   * Fire everything due up to `clock.monotonic()`, in tick order. Returns the
   * number of callbacks run. Calls from inside a callback do nothing.
   */
  advance(): number {
    if (this.firing) return 0
    const target = Math.floor((this.clock.monotonic() - this.origin) / this.tickMs)
    let fired = 0
    this.firing = true
    try {
      while (this.current < target) {
        const at = this.nextEventTick()
        if (at > target) {
          this.current = target
          break
        }
        this.current = at
        this.cascade(at)
        fired += this.fire(at & this.mask0)
      }
    } finally {
      this.firing = false
    }
    return fired
  }

  /**
   * Drive the wheel from real time with one Node timeout, armed for the next
   * tick at which something is due (or cascades) and re-armed after each run.
   * Nothing wakes the process while the wheel is empty.
   */
  start(): void {
    if (this.running) return
    this.running = true
    this.armedTick = Number.POSITIVE_INFINITY
    this.arm(this.nextEventTick())
  }

  /** Stop the driver started by {@link start}; timers stay scheduled. */
  stop(): void {
    this.running = false
    if (this.driver !== undefined) clearTimeout(this.driver)
    this.driver = undefined
    this.armedTick = Number.NEGATIVE_INFINITY
  }

  /** Tick (in wheel ticks since construction) of the next bucket to fire or cascade; Infinity if empty. */
  nextEventTick(): number {
    const cur = this.current
    for (let l = 0; l < this.levels; l++) {
      const pl = this.pow[l]!
      const digit = l === 0 ? cur & this.mask0 : (cur / pl) & this.mask[l]!
      const s = this.nextOccupied(l, digit + 1)
      if (s >= 0) {
        const block = this.pow[l + 1]!
        return Math.floor(cur / block) * block + s * pl
      }
    }
    return Number.POSITIVE_INFINITY
  }

  private schedule(
    delayMs: number,
    intervalTicks: number,
    cb: TimerCallback<unknown>,
    arg: unknown,
  ): TimerHandle {
    if (typeof cb !== 'function') throw new TimerBadOptions('callback must be a function')
    // From the clock, not the tick being processed: a callback run late (the
    // wheel catching up after a stall) still gets its full delay.
    let due = Math.ceil((this.clock.monotonic() - this.origin + delayMs) / this.tickMs)
    const cur = this.current
    if (due <= cur) due = cur + 1
    if (intervalTicks === 0 && (due < 2147483648 ? (due ^ cur) <= this.mask0 : this.sameBlock(due, cur))) {
      // The common case: a one-shot timer due within level 0, stored inline.
      const digit = due & this.mask0
      const handle = this.buckets.addDirect(digit, cb, arg)
      this.occupied0[digit >>> 5]! |= 1 << (digit & 31)
      if (due < this.armedTick) this.arm(due)
      return handle
    }
    const s = this.slots
    const slot = s.allocate(cb, arg)
    if (intervalTicks > 0) s.setRepeat(slot, intervalTicks)
    s.setDue(slot, due, this.current)
    this.insert(slot, due)
    if (due < this.armedTick) this.arm(due)
    return s.handle(slot)
  }

  /** Append `slot` to the bucket its deadline belongs in, relative to the current tick. */
  private insert(slot: number, due: number): void {
    const cur = this.current
    let level: number
    let digit: number
    if (due < 2147483648) {
      const diff = due ^ cur
      if (diff <= this.mask0) {
        level = 0
        digit = due & this.mask0
      } else {
        level = this.levelOfBit[31 - Math.clz32(diff)]!
        digit = (due >>> this.shift[level]!) & this.mask[level]!
      }
    } else {
      level = 0
      while (Math.floor(due / this.pow[level + 1]!) !== Math.floor(cur / this.pow[level + 1]!)) level++
      digit = (due / this.pow[level]!) & this.mask[level]!
    }
    if (level === 0) {
      this.slots.setPos(slot, this.buckets.addSlot(digit, slot))
      this.occupied0[digit >>> 5]! |= 1 << (digit & 31)
      return
    }
    const head = this.base[level]! + digit
    this.slots.append(head, slot)
    this.occupied[head >>> 5]! |= 1 << (head & 31)
  }

  /** Whether ticks `a` and `b` fall in the same span of level 0 (for ticks beyond 2^31). */
  private sameBlock(a: number, b: number): boolean {
    const p = this.pow[1]!
    return Math.floor(a / p) === Math.floor(b / p)
  }

  /** Cancel the level-0 entry at `pos`, clearing its bucket's bit if that emptied it. */
  private tombstone(pos: number): void {
    const emptied = this.buckets.cancelAt(pos)
    if (emptied >= 0) this.occupied0[emptied >>> 5]! &= ~(1 << (emptied & 31))
  }

  private unlink(slot: number): void {
    const emptied = this.slots.unlink(slot)
    // Harmless when it is the firing list that emptied: its bit is never read.
    if (emptied >= 0) this.occupied[emptied >>> 5]! &= ~(1 << (emptied & 31))
  }

  /** Move the whole bucket `head` onto the (empty) firing list, leaving the bucket empty. */
  private detach(head: number): boolean {
    if (!this.slots.moveAll(head, this.firingList)) return false
    this.occupied[head >>> 5]! &= ~(1 << (head & 31))
    return true
  }

  /** At tick `at`, re-file the buckets of every level whose range starts at `at`, highest first. */
  private cascade(at: number): void {
    let top = 0
    while (top + 1 < this.levels && at % this.pow[top + 1]! === 0) top++
    for (let l = top; l >= 1; l--) {
      if (!this.detach(this.base[l]! + ((at / this.pow[l]!) & this.mask[l]!))) continue
      const s = this.slots
      const f = this.firingList
      for (let slot = s.shift(f); slot !== f; slot = s.shift(f)) this.insert(slot, s.due(slot, at))
    }
  }

  private fire(digit: number): number {
    this.occupied0[digit >>> 5]! &= ~(1 << (digit & 31))
    return this.buckets.run(digit, this.current, this.slots, this.runner)
  }

  private reportError(err: unknown, handle: TimerHandle): void {
    try {
      this.onError(err, handle)
    } catch {
      // An error hook that throws must not break the wheel either.
    }
  }

  private nextOccupied(level: number, from: number): number {
    const mask = this.mask[level]!
    if (from > mask) return -1
    const bits = level === 0 ? this.occupied0 : this.occupied
    const base = this.base[level]! >>> 5
    let w = from >>> 5
    let word = bits[base + w]! & (-1 << (from & 31))
    for (;;) {
      if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word)
      w++
      if (w << 5 > mask) return -1
      word = bits[base + w]!
    }
  }

  private arm(tick: number): void {
    this.armedTick = tick
    if (tick === Number.POSITIVE_INFINITY) {
      if (this.driver !== undefined) clearTimeout(this.driver)
      this.driver = undefined
      return
    }
    const waitMs = tick * this.tickMs - (this.clock.monotonic() - this.origin)
    const ms = Math.min(Math.max(1, Math.ceil(waitMs)), 2 ** 31 - 1)
    // While busy the wait is usually one tick each time: reuse the timeout (also once fired).
    if (this.driver !== undefined && ms === this.driverMs) {
      this.driver.refresh()
      return
    }
    if (this.driver !== undefined) clearTimeout(this.driver)
    // Raw on purpose: this is the one Node timeout that drives the wheel.
    this.driver = setTimeout(this.wakeFn, ms)
    this.driverMs = ms
    if (!this.ref) this.driver.unref()
  }

  private wake(): void {
    // No re-arming from callbacks while catching up; one arm at the end.
    this.armedTick = Number.NEGATIVE_INFINITY
    try {
      this.advance()
    } finally {
      // A callback may have stopped the driver.
      if (this.running) {
        this.armedTick = Number.POSITIVE_INFINITY
        this.arm(this.nextEventTick())
      }
    }
  }
}
