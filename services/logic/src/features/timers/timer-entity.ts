import { col, defineEntity, type RowOf } from '@tessera/storage'
import { newTimerBook, type TimerBook } from './timer-book.js'

/**
 * The durable timers of one player and their effects, one JSON document
 * (see TimerBook): firing a timer is one assignment of `book`, grouped with
 * the kind's effect on other rows of the player (storage.group), so a crash
 * (kill -9 included) keeps either the timer pending or the timer fired with
 * its whole effect, never one without the other.
 */
export const PlayerTimer = defineEntity('player_timer', {
  columns: {
    id: col.bigint({ unsigned: true }),
    book: col.json<TimerBook>({ initial: newTimerBook }),
  },
  primaryKey: ['id'],
})

export type PlayerTimerRow = RowOf<typeof PlayerTimer>
