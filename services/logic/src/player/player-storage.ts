import { storageComponent } from '@tessera/storage'
import { PlayerDaily } from '../features/daily/daily-entity.js'
import { PlayerTimer } from '../features/timers/timer-entity.js'
import { Player } from './player-entity.js'

/** Every entity of the logic's storage, each keyed by the user id (a shard move copies them all). */
export const PLAYER_ENTITIES = [Player, PlayerDaily, PlayerTimer] as const

/** The logic's storage component with its entities (database `logic_<machineId>`). */
// @component logic sort=0
export const playerStorage = storageComponent([...PLAYER_ENTITIES])
