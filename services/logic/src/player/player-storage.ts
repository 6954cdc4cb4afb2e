import { storageComponent } from '@tessera/storage'
import { Player } from './player-entity.js'

/** The logic's storage component with its entities (database `logic_<machineId>`). */
// @component logic sort=0
export const playerStorage = storageComponent([Player])
