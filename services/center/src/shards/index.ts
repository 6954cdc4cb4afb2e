export { type MoveOutcome, ShardComponent, shardComponent } from './shard-component.js'
export { planMove } from './shard-moves.js'
export { ShardTableStore } from './shard-table-store.js'
