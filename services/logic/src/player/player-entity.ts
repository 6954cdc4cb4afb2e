import { col, defineEntity, type RowOf } from '@tessera/storage'

/**
 * A player's persistent data, one row per user id in the logic's database
 * (`logic_<machineId>`). Writes carry the ownership epoch the gateway got
 * from the center for `player:<uid>`, so an older owner's late writes are
 * refused by the database (docs/storage.md).
 */
export const Player = defineEntity('player', {
  columns: {
    id: col.bigint({ unsigned: true }),
    nickname: col.varchar(24),
    level: col.smallint({ unsigned: true }),
    gold: col.bigint(),
    gender: col.tinyint({ unsigned: true }),
    motto: col.varchar(64, { nullable: true }),
    icon_ids: col.json<number[]>({ initial: () => [] }),
    rating: col.double(),
    last_reset_ms: col.bigint({ unsigned: true }),
    created_at_ms: col.bigint({ unsigned: true }),
    /** Avatar: an icon id of the catalogue (checked when set); 0 = none. */
    avatar_icon_id: col.int({ unsigned: true }),
    /** Experience within the current level (features/profile/exp.ts has the level-up rule). */
    exp: col.int({ unsigned: true }),
    /** Hash of the icon catalogue last pushed to this player ('' = none): pushed again only when it changed. */
    catalogue_hash: col.varchar(64),
  },
  primaryKey: ['id'],
})

export type PlayerRow = RowOf<typeof Player>
