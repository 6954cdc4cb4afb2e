import { col, defineEntity, type RowOf } from '@tessera/storage'
import { type DailyDoc, newDailyDoc } from './daily-doc.js'

/**
 * The daily feature's row per player. Everything a reset changes is one
 * JSON document in one column, so applying a reset is one assignment: one
 * journal record, one row in the database. A crash (kill -9 included)
 * leaves either the state before the reset or the state after it, never
 * the reward without the reset mark or the reverse.
 */
export const PlayerDaily = defineEntity('player_daily', {
  columns: {
    id: col.bigint({ unsigned: true }),
    doc: col.json<DailyDoc>({ initial: newDailyDoc }),
  },
  primaryKey: ['id'],
})

export type PlayerDailyRow = RowOf<typeof PlayerDaily>
