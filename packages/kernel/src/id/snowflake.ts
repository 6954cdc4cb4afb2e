import type { TesseraError } from '../errors/index.js'
import { type Clock, systemClock } from '../timer/clock.js'
import { type Scheduler, systemTimers } from '../timer/scheduler.js'
import type { TimerHandle } from '../timer/timer-wheel.js'
import {
  IdBadOption,
  IdClockBehind,
  IdClosed,
  IdExhausted,
  IdLeaseUnconfirmed,
  IdReservationPending,
  IdStoreFailed,
} from './errors.js'
import {
  checkMachineId,
  DEFAULT_SNOWFLAKE_EPOCH_MS,
  decomposeSnowflake,
  MAX_SEQUENCE,
  MAX_SNOWFLAKE_TIMESTAMP,
  machineBits,
  markForTimestamp,
  type SnowflakeParts,
  timestampBits,
  timestampOfMark,
} from './snowflake-layout.js'
import type { SnowflakeStore } from './snowflake-store.js'

export interface SnowflakeOptions {
  /** 0..1023, unique among live generators (leased from the center in a cluster). */
  machineId: number
  /** Source of wall time; default {@link systemClock}. */
  clock?: Clock
  /** Unix ms the timestamps count from; default 2024-01-01T00:00:00Z. Never change it for a deployment. */
  epochMs?: number
  /** How far (ms) id timestamps may run ahead of the wall clock before next() throws ID_CLOCK_BEHIND; default 5000. */
  maxAheadMs?: number
}

export interface PersistentSnowflakeOptions extends SnowflakeOptions {
  store: SnowflakeStore
  /** How far (ms) past the clock each save reserves; default 2000, must be < maxAheadMs. */
  reserveMs?: number
  /** Period (ms) of a background renewal while idle; default reserveMs / 2; 0 = no timer. */
  keepAliveMs?: number
  /** Runs the keep-alive (the application's wheel; default: the process-wide systemTimers()). */
  timers?: Scheduler
  /** Wait (ms, monotonic clock) before retrying a failed background save; default 250. */
  retryMs?: number
  /** Told about each failed background save (ID_STORE_FAILED); the save is retried. */
  onSaveError?: (err: TesseraError) => void
}

/**
 * Snowflake id generator (layout in snowflake-layout.ts). `next()` is
 * synchronous and allocation-light: one Date.now(), a few compares and one
 * bigint per id.
 *
 * **Time.** The logical timestamp is max(last timestamp, clock). When the
 * clock goes backwards, ids keep the last timestamp (sequence continuing) and
 * so stay strictly increasing. When 4096 ids are taken in one millisecond the
 * generator borrows the next millisecond instead of spinning, so it never
 * hangs on a frozen clock and absorbs bursts. Both make ids run ahead of the
 * wall clock; `maxAheadMs` bounds that: an id whose timestamp would be more than
 * maxAheadMs ahead is refused with ID_CLOCK_BEHIND (nothing is consumed, the
 * call can be retried once the clock catches up). We throw rather than wait
 * because waiting in a synchronous call would freeze the event loop for up to
 * the whole gap. With the default 5 s, a clock step back of up to 5 s is
 * invisible, and ~20M ids (5000 ms × 4096) of burst above the physical cap of
 * 4.096M ids/s are absorbed before the error.
 *
 * **Persistence** (generators made by {@link Snowflake.open}). The store holds
 * a high-water mark: an id at or above every id issued. A save reserves
 * `reserveMs` ahead of the clock; the next save starts in the background once
 * ids reach the second half of the reserved window (or on the keep-alive
 * timer while idle), so in normal running no call ever waits for the disk.
 * No id is ever issued above the last mark whose save has *resolved*
 * (`durableMark`): a restart begins strictly above that mark and cannot
 * reissue. If the clock passes the durable mark before the next save lands
 * (slow or failing store, stalled event loop), ids are stamped with the
 * mark's millisecond (lagging the clock, still increasing): up to 4096 ids
 * of grace. Past that, next() throws ID_RESERVATION_PENDING (its cause is the
 * last save error, if any) and `await ready()` waits for the save.
 */
export class Snowflake {
  readonly machineId: number
  readonly epochMs: number
  readonly maxAheadMs: number
  private readonly clock: Clock
  private readonly machine: bigint

  // Hot state: the last issued id is base | seq, base = timestamp bits | machine bits.
  private lastTs = -1
  private seq = MAX_SEQUENCE
  private base = 0n
  // Timestamps (relative to the epoch) up to durableTs are covered by a saved
  // mark; at renewAtTs next() takes the slow path (renewal, clamp, closed).
  private durableTs = Number.POSITIVE_INFINITY
  private renewAtTs = Number.POSITIVE_INFINITY

  private store: SnowflakeStore | null = null
  private reserveMs = 0
  private retryMs = 0
  private retryAtMono = Number.NEGATIVE_INFINITY
  private saving: Promise<TesseraError | null> | null = null
  private lastSaveError: TesseraError | null = null
  private onSaveError: ((err: TesseraError) => void) | undefined
  private timer: TimerHandle | null = null
  private timers: Scheduler | null = null
  private closing: Promise<void> | null = null
  /** Wall ms (relative to the epoch) from which next() refuses: the machine-id lease is unconfirmed. */
  private confirmedUntilTs = Number.POSITIVE_INFINITY
  private revoked = false

  /**
   * A generator without persistence: unique and monotonic within this
   * process only; after a restart it relies on the clock alone. Services use
   * {@link Snowflake.open} with a store.
   */
  constructor(opts: SnowflakeOptions) {
    this.machineId = checkMachineId(opts.machineId)
    this.machine = machineBits(this.machineId)
    this.clock = opts.clock ?? systemClock
    this.epochMs = opts.epochMs ?? DEFAULT_SNOWFLAKE_EPOCH_MS
    this.maxAheadMs = opts.maxAheadMs ?? 5000
    if (!Number.isSafeInteger(this.epochMs) || this.epochMs < 0) {
      throw new IdBadOption('epochMs', String(this.epochMs), 'must be a non-negative integer (Unix ms)')
    }
    if (this.clock.now() < this.epochMs) {
      throw new IdBadOption(
        'epochMs',
        new Date(this.epochMs).toISOString(),
        'is after the current wall clock',
      )
    }
    if (!Number.isSafeInteger(this.maxAheadMs) || this.maxAheadMs < 0) {
      throw new IdBadOption('maxAheadMs', String(this.maxAheadMs), 'must be a non-negative integer')
    }
  }

  /**
   * Load the store's mark, start strictly above it, and resolve once the
   * first reservation is durable. Fails with ID_CLOCK_BEHIND if the stored
   * mark is more than maxAheadMs ahead of the clock, ID_STORE_CORRUPT /
   * ID_STORE_FAILED from the store.
   */
  static async open(opts: PersistentSnowflakeOptions): Promise<Snowflake> {
    const g = new Snowflake(opts)
    const reserveMs = opts.reserveMs ?? 2000
    if (!Number.isSafeInteger(reserveMs) || reserveMs < 2 || reserveMs >= g.maxAheadMs) {
      throw new IdBadOption(
        'reserveMs',
        String(reserveMs),
        `must be an integer in 2..maxAheadMs-1 (${g.maxAheadMs - 1})`,
      )
    }
    const keepAliveMs = opts.keepAliveMs ?? Math.floor(reserveMs / 2)
    if (!Number.isSafeInteger(keepAliveMs) || keepAliveMs < 0) {
      throw new IdBadOption('keepAliveMs', String(keepAliveMs), 'must be a non-negative integer')
    }
    const retryMs = opts.retryMs ?? 250
    if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
      throw new IdBadOption('retryMs', String(retryMs), 'must be a non-negative integer')
    }
    const mark = await opts.store.load()
    g.attach(opts.store, mark, reserveMs, retryMs, opts.onSaveError)
    try {
      await g.ready()
    } catch (err) {
      await g.close()
      throw err
    }
    if (keepAliveMs > 0) {
      g.timers = opts.timers ?? systemTimers()
      g.timer = g.timers.every(keepAliveMs, () => g.keepAlive())
    }
    return g
  }

  /** Next id. Throws ID_CLOCK_BEHIND, ID_RESERVATION_PENDING, ID_CLOSED (see the class comment). */
  next(): bigint {
    const now = Math.floor(this.clock.now()) - this.epochMs
    if (now >= this.confirmedUntilTs) throw this.unconfirmed()
    let ts = this.lastTs
    let seq = this.seq + 1
    if (now > ts) {
      ts = now
      seq = 0
    } else if (seq > MAX_SEQUENCE) {
      ts += 1 // borrow the next millisecond rather than wait for it
      seq = 0
    }
    if (ts >= this.renewAtTs) return this.nextSlow(now, ts, seq)
    return this.issue(now, ts, seq)
  }

  /** Next id as its canonical decimal string (what goes into JSON and logs). */
  nextString(): string {
    return this.next().toString()
  }

  /** Fields of an id made with this generator's epoch. */
  decompose(id: bigint | string): SnowflakeParts {
    return decomposeSnowflake(id, this.epochMs)
  }

  /** The mark the store durably holds (no id is issued above it); null without a store or before the first save. */
  get durableMark(): bigint | null {
    return this.store === null || this.durableTs < 0 ? null : markForTimestamp(this.durableTs)
  }

  /**
   * Resolve once next() can stamp ids with the current clock, saving a new
   * reservation if needed (ignoring the retry delay). Rejects with the
   * store's ID_STORE_FAILED. Immediate for a generator without a store.
   */
  async ready(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.closing) throw new IdClosed()
      const now = Math.floor(this.clock.now()) - this.epochMs
      if (Math.max(now, this.lastTs + 1) <= this.durableTs) return
      const err = await (this.saving ?? this.startSave(now))
      if (err) throw err
    }
    // Three saves in a row were outrun by the clock (each took > reserveMs).
    const now = Math.floor(this.clock.now()) - this.epochMs
    throw this.pending(Math.max(now, this.lastTs + 1))
  }

  /**
   * Mint only until wall time `untilMs` (then ID_LEASE_UNCONFIRMED) unless
   * confirmed again. A process whose machine id is leased from the center
   * calls this whenever the center confirms it still holds the id, with the
   * time the confirming request was sent plus half the holder TTL: a process
   * that hung longer than that (and may have been replaced by another
   * holder of the same id) mints nothing until it is confirmed again.
   */
  confirmUntil(untilMs: number): void {
    if (this.revoked) return
    const ts = Math.floor(untilMs) - this.epochMs
    if (ts > this.confirmedUntilTs || this.confirmedUntilTs === Number.POSITIVE_INFINITY)
      this.confirmedUntilTs = ts
  }

  /** Mint nothing any more (the center said another process holds this machine id now). */
  revoke(): void {
    this.revoked = true
    this.confirmedUntilTs = Number.NEGATIVE_INFINITY
  }

  private unconfirmed(): TesseraError {
    return new IdLeaseUnconfirmed(this.machineId, this.iso(this.confirmedUntilTs))
  }

  /** Stop renewing; later next() calls throw ID_CLOSED. Waits for a save in flight. Idempotent. */
  close(): Promise<void> {
    if (this.closing === null) {
      if (this.timer !== null) this.timers?.cancel(this.timer)
      this.timer = null
      this.renewAtTs = Number.NEGATIVE_INFINITY // every next() takes the slow path, which throws
      const saving = this.saving
      this.closing = saving ? saving.then(() => undefined) : Promise.resolve()
    }
    return this.closing
  }

  private issue(now: number, ts: number, seq: number): bigint {
    if (ts - now > this.maxAheadMs) {
      throw new IdClockBehind(
        ts - now,
        this.maxAheadMs,
        'the clock went backwards or ids were requested faster than 4096/ms; retry once the clock catches up',
      )
    }
    if (ts !== this.lastTs) {
      if (ts > MAX_SNOWFLAKE_TIMESTAMP) throw new IdExhausted(new Date(this.epochMs).toISOString())
      this.base = timestampBits(ts) | this.machine
      this.lastTs = ts
    }
    this.seq = seq
    return this.base | BigInt(seq)
  }

  private nextSlow(now: number, ts: number, seq: number): bigint {
    if (this.closing) throw new IdClosed()
    this.renew(now)
    if (ts > this.durableTs) {
      // Never pass the durable mark: stamp with the mark's own millisecond
      // (the clock is past it, so these ids lag it) until the save lands.
      if (this.lastTs < this.durableTs) {
        ts = this.durableTs
        seq = 0
      } else if (this.seq < MAX_SEQUENCE) {
        ts = this.durableTs
        seq = this.seq + 1
      } else {
        throw this.pending(ts)
      }
    }
    return this.issue(now, ts, seq)
  }

  private pending(ts: number): TesseraError {
    return IdReservationPending.with(
      { cause: this.lastSaveError ?? undefined, details: { machineId: this.machineId } },
      this.iso(ts),
      this.iso(this.durableTs),
    )
  }

  private iso(ts: number): string {
    return Number.isFinite(ts) && ts >= 0 ? new Date(ts + this.epochMs).toISOString() : String(ts)
  }

  private attach(
    store: SnowflakeStore,
    mark: bigint | null,
    reserveMs: number,
    retryMs: number,
    onSaveError: ((err: TesseraError) => void) | undefined,
  ): void {
    this.store = store
    this.reserveMs = reserveMs
    this.retryMs = retryMs
    this.onSaveError = onSaveError
    // Nothing is durable beyond the stored mark yet, and the mark's own
    // millisecond counts as fully used: the first id lands strictly above it.
    const markTs = mark === null ? -1 : timestampOfMark(mark)
    const ahead = markTs + 1 - (Math.floor(this.clock.now()) - this.epochMs)
    if (ahead > this.maxAheadMs) {
      throw new IdClockBehind(
        ahead,
        this.maxAheadMs,
        `the stored high-water mark (${this.iso(markTs)}) is ahead of this clock; fix the clock or wait`,
      )
    }
    this.lastTs = markTs
    this.seq = MAX_SEQUENCE
    this.base = markTs < 0 ? 0n : timestampBits(markTs) | this.machine
    this.durableTs = markTs
    this.renewAtTs = markTs - Math.floor(reserveMs / 2)
  }

  private keepAlive(): void {
    const now = Math.floor(this.clock.now()) - this.epochMs
    if (Math.max(now, this.lastTs) >= this.renewAtTs) this.renew(now)
  }

  /** Start a background save unless one is in flight or a failed one is waiting out its retry delay. */
  private renew(now: number): void {
    if (this.store === null || this.saving !== null || this.closing) return
    if (this.clock.monotonic() < this.retryAtMono) return
    void this.startSave(now)
  }

  /** Save a mark reserveMs past the clock; resolves with the error instead of rejecting. */
  private startSave(now: number): Promise<TesseraError | null> {
    const store = this.store!
    let target = Math.max(now, this.lastTs) + this.reserveMs
    if (target <= this.durableTs) target = this.durableTs + 1 // marks only grow
    target = Math.min(target, MAX_SNOWFLAKE_TIMESTAMP)
    let write: Promise<void>
    try {
      write = store.save(markForTimestamp(target))
    } catch (err) {
      write = Promise.reject(err)
    }
    const saving = write.then(
      () => {
        this.saving = null
        this.lastSaveError = null
        if (target > this.durableTs) {
          this.durableTs = target
          if (!this.closing) this.renewAtTs = target - Math.floor(this.reserveMs / 2)
        }
        return null
      },
      (err: unknown) => {
        this.saving = null
        const e = IdStoreFailed.is(err)
          ? err
          : IdStoreFailed.with({ cause: err }, err instanceof Error ? err.message : String(err))
        this.lastSaveError = e
        this.retryAtMono = this.clock.monotonic() + this.retryMs
        try {
          this.onSaveError?.(e)
        } catch {
          // A throwing listener must not turn into an unhandled rejection;
          // the failure still surfaces through ready() and ID_RESERVATION_PENDING.
        }
        return e
      },
    )
    this.saving = saving
    return saving
  }
}
