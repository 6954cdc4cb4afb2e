// The stable user id → logic service map every gateway process shares.
export { ShardMap } from './shard-map.js'
