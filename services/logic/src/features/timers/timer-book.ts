import { TimersBadKey, TimersNotFound, TimersTooMany } from './timer-errors.js'

/** One pending timer (wall-clock times in ms). */
export interface BookTimer {
  id: number
  kind: string
  key: string
  setMs: number
  dueMs: number
}

/**
 * A player's durable timers and what they produced: the JSON document of
 * player_timer. A timer firing removes it from `pending` and applies its
 * effect to `effects` in one new document; the feature assigns it in one
 * storage group with the kind's changes to other rows (the player's gold),
 * so the fired mark and the whole effect reach the journal and the database
 * together.
 */
export interface TimerBook {
  /** Last timer id handed out (ids are never reused). */
  seq: number
  pending: BookTimer[]
  /** `kind/key` -> level reached by the kind's effect. */
  effects: Record<string, number>
}

export function newTimerBook(): TimerBook {
  return { seq: 0, pending: [], effects: {} }
}

/** What a timer kind does when one of its timers fires: the new level of `kind/key`. */
export type TimerEffectFn = (level: number, timer: BookTimer) => number

const KEY_MAX = 32
/** Letters, digits and `_ . : -`: keys are identifiers, not text. */
const KEY = /^[\p{L}\p{N}_.:-]+$/u

export function effectKey(kind: string, key: string): string {
  return `${kind}/${key}`
}

/** A new book with one more pending timer. Throws TIMERS_BAD_KEY or TIMERS_TOO_MANY. */
export function addTimer(
  book: TimerBook,
  t: { kind: string; key: string; setMs: number; dueMs: number },
  maxPending: number,
): { book: TimerBook; timer: BookTimer } {
  const len = [...t.key].length
  if (len === 0 || len > KEY_MAX) throw new TimersBadKey(`length ${len} is outside 1..${KEY_MAX}`)
  if (!KEY.test(t.key)) throw new TimersBadKey('only letters, digits and _ . : - are allowed')
  if (book.pending.length >= maxPending) throw new TimersTooMany(maxPending)
  const timer: BookTimer = { id: book.seq + 1, ...t }
  return { book: { ...book, seq: timer.id, pending: [...book.pending, timer] }, timer }
}

/** A new book without pending timer `id`. Throws TIMERS_NOT_FOUND. */
export function cancelTimer(book: TimerBook, id: number): { book: TimerBook; timer: BookTimer } {
  const timer = book.pending.find((t) => t.id === id)
  if (timer === undefined) throw new TimersNotFound(id)
  return { book: { ...book, pending: book.pending.filter((t) => t !== timer) }, timer }
}

/**
 * Fire pending timer `id`: a new book without it and with its effect
 * applied. Null when it is no longer pending (fired or cancelled already):
 * that is what makes a second firing a no-op.
 */
export function fireTimer(
  book: TimerBook,
  id: number,
  effect: TimerEffectFn,
): { book: TimerBook; timer: BookTimer; level: number } | null {
  const timer = book.pending.find((t) => t.id === id)
  if (timer === undefined) return null
  const k = effectKey(timer.kind, timer.key)
  const level = effect(book.effects[k] ?? 0, timer)
  return {
    book: {
      ...book,
      pending: book.pending.filter((t) => t !== timer),
      effects: { ...book.effects, [k]: level },
    },
    timer,
    level,
  }
}

/** Pending timers due at `now`, soonest first (ties by id, the order they were set). */
export function dueTimers(book: TimerBook, now: number): BookTimer[] {
  return book.pending.filter((t) => t.dueMs <= now).sort(byDue)
}

export function byDue(a: BookTimer, b: BookTimer): number {
  return a.dueMs - b.dueMs || a.id - b.id
}
