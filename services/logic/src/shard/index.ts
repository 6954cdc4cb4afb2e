export { LogicShardHandOffFailed, LogicShardMoved, LogicShardMoveRefused } from './shard-errors.js'
export { SHARD_MOVER_ID, ShardMover, shardMover } from './shard-mover.js'
