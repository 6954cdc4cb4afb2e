// Player data: the entity and how a session gets its row.
export { Player, type PlayerRow } from './player-entity.js'
export { PLAYER_ENTITIES } from './player-storage.js'
export {
  copyUsers,
  type FencedUser,
  fenceUsers,
  SHARD_OF_ID_SQL,
  usersOfShard,
  usersOfShards,
} from './shard-move.js'
