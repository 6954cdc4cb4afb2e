import type { MessageType } from '@tessera/wire'
import type { Logger } from '../log/index.js'
import type { Scheduler } from '../timer/index.js'
import { CENTER_CHANNEL_ID } from './center-client.js'
import type { ServiceProxy } from './service-proxy.js'
import type { ShardMap } from './shard-map.js'

/** The fields of proto gate/shard.proto ShardTableState and ShardTableGet this needs. */
export interface ShardTableStateMsg {
  present: boolean
  changed: boolean
  version: number
  shardCount: number
  owners: number[]
  moving: number[]
}

/**
 * Keep `map` on the center's shard table: adopt every pushed
 * ShardTableState, ask at once and then every `everyMs` (a push missed
 * while the center link was down is caught by the next ask). Returns a
 * stop function. Without a table at the center, the map stays on its
 * configuration.
 */
export function followShardTable(o: {
  proxy: ServiceProxy
  map: ShardMap
  get: MessageType<{ haveVersion: number }>
  state: MessageType<ShardTableStateMsg>
  everyMs: number
  timeoutMs: number
  logger: Logger
  /** The service's wheel (`ctx.timers`). */
  timers: Scheduler
}): () => void {
  const take = (m: ShardTableStateMsg): void => {
    if (!m.present || !m.changed) return
    try {
      if (o.map.adopt({ version: m.version, shardCount: m.shardCount, owners: m.owners, moving: m.moving }))
        o.logger.info({ version: m.version, moving: m.moving.length }, 'shard table adopted')
    } catch (err) {
      o.logger.error({ err }, 'shard table refused')
    }
  }
  o.proxy.on(o.state, take)
  let stopped = false
  const ask = (): void => {
    if (stopped) return
    o.proxy
      .request(CENTER_CHANNEL_ID, o.get, { haveVersion: o.map.version }, o.state, { timeoutMs: o.timeoutMs })
      .then(take, (err: unknown) => o.logger.debug({ err }, 'shard table not read (asking again later)'))
  }
  ask()
  const timer = o.timers.every(o.everyMs, ask)
  return () => {
    stopped = true
    o.timers.cancel(timer)
  }
}
