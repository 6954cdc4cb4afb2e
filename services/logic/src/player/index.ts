// Player data: the entity and how a session gets its row.
export { Player, type PlayerRow } from './player-entity.js'
export { copyUsers, type FencedUser, fenceUsers, SHARD_OF_ID_SQL, usersOfShard } from './shard-move.js'
