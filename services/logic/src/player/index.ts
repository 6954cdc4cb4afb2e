// Player data: the entity and how a session gets its row.
export { Player, type PlayerRow } from './player-entity.js'
