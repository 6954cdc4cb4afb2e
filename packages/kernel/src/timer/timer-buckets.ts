import { TimerCapacity } from './errors.js'
import type { TimerHandle, TimerRunner, TimerSlots } from './timer-slots.js'

// Level-0 buckets of a TimerWheel as lists of fixed-size chunks of inline
// entries, so firing a bucket reads memory sequentially instead of chasing a
// linked list through records scattered over the heap (a cache miss per timer
// at a million timers). Constants stay local to this module: imported
// constants can compile to getter calls under some loaders, on hot paths.
/** Entries per chunk: small enough that a wheel with one timer per bucket wastes little. */
const CHUNK_BITS = 6
const CHUNK = 1 << CHUNK_BITS
const CHUNK_MASK = CHUNK - 1
// An entry is one array element: the callback of a direct timer (a
// function), the slot number of a timer with a record (a small integer), or
// undefined (fired, cancelled, or never used). One element per timer keeps
// adding to one write and firing to one sequential read. Entries live in
// pages of 2^14 (128 KiB): growing allocates a page and never copies, and
// pages go straight to V8's large-object space, which scavenges never copy.
const PAGE_BITS = 14
const PAGE = 1 << PAGE_BITS
const PAGE_MASK = PAGE - 1
/** Entry positions are below 2^27; a direct handle packs a 26-bit chunk generation above them. */
const POS_SPACE = 2 ** 27
const MAX_CHUNKS = POS_SPACE >>> CHUNK_BITS
const GEN_MASK = (1 << 26) - 1
/** End of a chunk list or of the free-chunk list. */
const NONE = -1
// Per-bucket fields, four int32 per bucket in one array so that adding a
// timer touches one cache line of bookkeeping besides its entry.
/**
 * Position the next entry goes to. A multiple of CHUNK (0 included) means the
 * tail chunk is full or missing: the test for a new chunk is one mask, and
 * chunks need no fill count (entries past the last one are undefined, like
 * those of every free chunk).
 */
const B_NEXT = 0
/** Live entries (direct and slot entries). */
const B_LIVE = 1
/** Generation of the tail chunk, for the handles of entries added to it. */
const B_GEN = 2
const B_TAIL = 3
// Per-chunk fields, likewise packed: cancel reads the generation and bucket together.
const C_NEXT = 0
const C_GEN = 1
/** Bucket the chunk belongs to; NONE while free or being fired. */
const C_BUCKET = 2

type Page = unknown[]

/**
 * The buckets of level 0 (the level timers fire from). A bucket is a singly
 * linked list of chunks, appended at the tail; every entry in it is due at
 * the same tick, so entries need no deadline.
 *
 * Most timers are one-shot timers scheduled within level 0's span: they are
 * stored here *directly* (callback and argument inline, no record elsewhere)
 * and their handle is their position, tagged with the chunk's generation
 * (negative numbers, so they never collide with slot handles). Cancelling
 * writes a tombstone in place. Timers that need a record — repeating ones and
 * those that cascaded down from upper levels — are stored as their slot
 * number, and the record remembers the position so cancel can tombstone it.
 *
 * A bucket whose last live entry is cancelled gives its chunks back at once,
 * so cancelled timers hold memory only until their bucket fires or empties
 * (at most level 0's span). Not a public API.
 */
export class TimerBuckets {
  private readonly entries: Page[] = []
  private readonly args: (Page | undefined)[] = []
  /** Chunk records, 4 int32 each (C_*). */
  private ck: Int32Array
  private chunks = 0
  private freeChunks = NONE
  /** Bucket records, 4 int32 each (B_*). */
  private readonly bk: Int32Array
  /** First chunk of each bucket (only read when firing or dropping a bucket). */
  private readonly head: Int32Array
  /** Chunk being fired by {@link run} (its successors follow through C_NEXT), or NONE. */
  private firing = NONE
  /** Live direct timers (slot entries are counted by their TimerSlots). */
  count = 0

  constructor(buckets: number) {
    this.head = new Int32Array(buckets).fill(NONE)
    this.bk = new Int32Array(buckets * 4)
    for (let b = 0; b < buckets; b++) this.bk[(b << 2) + B_TAIL] = NONE
    this.ck = new Int32Array(64 * 4)
  }

  /** Append a direct one-shot timer to `bucket`; returns its handle. */
  addDirect(bucket: number, cb: unknown, arg: unknown): TimerHandle {
    const bk = this.bk
    const bb = bucket << 2
    let pos = bk[bb + B_NEXT]!
    if ((pos & CHUNK_MASK) === 0) pos = this.appendChunk(bucket)
    bk[bb + B_NEXT] = pos + 1
    bk[bb + B_LIVE]!++
    const page = pos >>> PAGE_BITS
    const i = pos & PAGE_MASK
    this.entries[page]![i] = cb
    if (arg !== undefined) {
      let args = this.args[page]
      if (args === undefined) {
        args = new Array(PAGE).fill(undefined)
        this.args[page] = args
      }
      args[i] = arg
    }
    this.count++
    return (-(bk[bb + B_GEN]! * POS_SPACE + pos) - 1) as TimerHandle
  }

  /** Append slot record `slot` to `bucket`; returns its position (for {@link cancelAt}). */
  addSlot(bucket: number, slot: number): number {
    const bb = bucket << 2
    let pos = this.bk[bb + B_NEXT]!
    if ((pos & CHUNK_MASK) === 0) pos = this.appendChunk(bucket)
    this.bk[bb + B_NEXT] = pos + 1
    this.bk[bb + B_LIVE]!++
    this.entries[pos >>> PAGE_BITS]![pos & PAGE_MASK] = slot
    return pos
  }

  /** Position of the live direct timer named by `handle` (a negative handle), or -1. */
  find(handle: number): number {
    const h = -1 - handle
    // Division by a power of two and floor are exact; `%` on doubles would be a slow fmod call.
    const gen = Math.floor(h / POS_SPACE)
    const pos = h - gen * POS_SPACE
    if (!(pos >= 0 && pos < this.chunks << CHUNK_BITS) || (pos | 0) !== pos) return -1
    if (this.ck[((pos >>> CHUNK_BITS) << 2) + C_GEN] !== gen) return -1
    return typeof this.entries[pos >>> PAGE_BITS]![pos & PAGE_MASK] === 'function' ? pos : -1
  }

  /**
   * Tombstone the live entry at `pos`. Returns the bucket if that left it
   * without live entries (its chunks are then freed), else -1.
   */
  cancelAt(pos: number): number {
    const page = pos >>> PAGE_BITS
    const i = pos & PAGE_MASK
    const entries = this.entries[page]!
    if (typeof entries[i] === 'function') {
      const args = this.args[page]
      if (args !== undefined) args[i] = undefined
      this.count--
    }
    entries[i] = undefined
    const bucket = this.ck[((pos >>> CHUNK_BITS) << 2) + C_BUCKET]!
    if (bucket === NONE || --this.bk[(bucket << 2) + B_LIVE]! !== 0) return -1
    this.dropBucket(bucket)
    return bucket
  }

  /**
   * Fire every entry of `bucket` in order. Direct timers are tombstoned and
   * then called; slot entries go to `slots.fire` (which releases or refiles
   * them, then calls). Callbacks may cancel entries not yet run or add timers
   * (never to this bucket: everything added is due later), so each entry is
   * re-read when reached. Chunks are freed as they are finished.
   */
  run(bucket: number, current: number, slots: TimerSlots, runner: TimerRunner): number {
    let c = this.head[bucket]!
    if (c === NONE) return 0
    this.resetBucket(bucket)
    const ck = this.ck
    for (let k = c; k !== NONE; k = ck[(k << 2) + C_NEXT]!) ck[(k << 2) + C_BUCKET] = NONE
    let fired = 0
    while (c !== NONE) {
      this.firing = c
      const page = c >>> (PAGE_BITS - CHUNK_BITS)
      const entries = this.entries[page]!
      // Read per chunk: a callback may have grown the chunk records.
      const tag = this.ck[(c << 2) + C_GEN]! * POS_SPACE
      const start = c << CHUNK_BITS
      const end = start + CHUNK
      for (let pos = start; pos < end; pos++) {
        const i = pos & PAGE_MASK
        const e = entries[i]
        if (e === undefined) continue
        entries[i] = undefined
        fired++
        if (typeof e === 'function') {
          const cb = e as (arg: unknown, handle: TimerHandle) => void
          // Read per entry: a callback may create the page's argument array.
          const args = this.args[page]
          let arg: unknown
          if (args !== undefined) {
            arg = args[i]
            args[i] = undefined
          }
          this.count--
          const handle = (-(tag + pos) - 1) as TimerHandle
          try {
            cb(arg, handle)
          } catch (err) {
            runner.reportError(err, handle)
          }
        } else {
          slots.fire(e as number, current, runner)
        }
      }
      const next = this.ck[(c << 2) + C_NEXT]!
      this.freeChunk(c)
      c = next
    }
    this.firing = NONE
    return fired
  }

  /** Drop every entry (direct ones silently, slot entries via `slots.release`). */
  clear(slots: TimerSlots): void {
    for (let b = 0; b < this.head.length; b++) {
      if (this.head[b] === NONE) continue
      this.wipe(this.head[b]!, slots)
      this.dropBucket(b)
    }
    // Chunks being fired stay allocated: run() is still walking them and frees them itself.
    if (this.firing !== NONE) this.wipe(this.firing, slots)
  }

  /** Tombstone every entry of chunk list `c`, releasing slot records. */
  private wipe(c: number, slots: TimerSlots): void {
    for (; c !== NONE; c = this.ck[(c << 2) + C_NEXT]!) {
      const page = c >>> (PAGE_BITS - CHUNK_BITS)
      const entries = this.entries[page]!
      const start = c << CHUNK_BITS
      const end = start + CHUNK
      for (let pos = start; pos < end; pos++) {
        const i = pos & PAGE_MASK
        const e = entries[i]
        if (e === undefined) continue
        entries[i] = undefined
        if (typeof e === 'function') {
          const args = this.args[page]
          if (args !== undefined) args[i] = undefined
          this.count--
        } else {
          slots.release(e as number)
        }
      }
    }
  }

  /** Link a new chunk at the tail of `bucket`; returns its first position. */
  private appendChunk(bucket: number): number {
    const c = this.newChunk(bucket)
    const bb = bucket << 2
    const t = this.bk[bb + B_TAIL]!
    if (t === NONE) this.head[bucket] = c
    else this.ck[(t << 2) + C_NEXT] = c
    this.bk[bb + B_TAIL] = c
    this.bk[bb + B_GEN] = this.ck[(c << 2) + C_GEN]!
    return c << CHUNK_BITS
  }

  private newChunk(bucket: number): number {
    let c = this.freeChunks
    if (c !== NONE) {
      this.freeChunks = this.ck[(c << 2) + C_NEXT]!
    } else {
      c = this.chunks
      if (c === MAX_CHUNKS) throw new TimerCapacity(this.count)
      if (c << 2 === this.ck.length) {
        const ck = new Int32Array(this.ck.length * 2)
        ck.set(this.ck)
        this.ck = ck
      }
      if (c << CHUNK_BITS === this.entries.length << PAGE_BITS) {
        this.entries.push(new Array(PAGE).fill(undefined))
        this.args.push(undefined)
      }
      this.chunks++
    }
    this.ck[(c << 2) + C_NEXT] = NONE
    this.ck[(c << 2) + C_BUCKET] = bucket
    return c
  }

  /** Free a chunk whose entries are all undefined (the invariant of free chunks), ending its handles. */
  private freeChunk(c: number): void {
    const cb = c << 2
    this.ck[cb + C_GEN] = (this.ck[cb + C_GEN]! + 1) & GEN_MASK
    this.ck[cb + C_BUCKET] = NONE
    this.ck[cb + C_NEXT] = this.freeChunks
    this.freeChunks = c
  }

  private dropBucket(bucket: number): void {
    let c = this.head[bucket]!
    while (c !== NONE) {
      const next = this.ck[(c << 2) + C_NEXT]!
      this.freeChunk(c)
      c = next
    }
    this.resetBucket(bucket)
  }

  /** Make `bucket` empty (its chunks are the caller's). */
  private resetBucket(bucket: number): void {
    const bb = bucket << 2
    this.head[bucket] = NONE
    this.bk[bb + B_TAIL] = NONE
    this.bk[bb + B_NEXT] = 0
    this.bk[bb + B_LIVE] = 0
  }
}
