import { storageComponent } from '@tessera/storage'
import { PlayerDaily } from '../features/daily/daily-entity.js'
import { PlayerTimer } from '../features/timers/timer-entity.js'
import { Player } from './player-entity.js'

/** The logic's storage component with its entities (database `logic_<machineId>`). */
// @component logic sort=0
export const playerStorage = storageComponent([Player, PlayerDaily, PlayerTimer])
