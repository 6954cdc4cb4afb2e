import { defineError } from '@tessera/kernel'

// Moving shards of players between logic processes (docs/operations.md).

export const LogicShardMoved = defineError<[string, number]>(
  'LOGIC_SHARD_MOVED',
  'user %s is in shard %d, which this logic gave away or is giving away: bind at its new owner',
)
export const LogicShardHandOffFailed = defineError<[string]>(
  'LOGIC_SHARD_HANDOFF_FAILED',
  'shard hand-off refused: %s (the shards stay here; run the move again later)',
)
export const LogicShardMoveRefused = defineError<[string]>(
  'LOGIC_SHARD_MOVE_REFUSED',
  'shard move refused: %s',
)
