import { defineError } from '@tessera/kernel'

// Gateway errors: why a client connection was closed or refused by the
// gateway itself (docs/gateway.md).

export const GatewayBadConfig = defineError<[string]>('GATEWAY_BAD_CONFIG', 'bad gateway configuration: %s')
export const GatewayReplaced = defineError<[string]>(
  'GATEWAY_REPLACED',
  'logged in elsewhere: user %s has a newer session',
)
export const GatewayLogicLost = defineError<[number]>(
  'GATEWAY_LOGIC_LOST',
  'logic %d went away; the game session is lost, log in again',
)
export const GatewaySessionEnded = defineError<[string]>(
  'GATEWAY_SESSION_ENDED',
  'the session was ended by its logic: %s',
)
export const GatewayKicked = defineError<[string]>('GATEWAY_KICKED', 'kicked by an operator: %s')
export const GatewayDraining = defineError<[string]>('GATEWAY_DRAINING', 'this gateway is draining: %s', {
  client: true,
})
export const GatewayShardMoving = defineError<[string, number]>(
  'GATEWAY_SHARD_MOVING',
  'the players of user %s are being moved to another logic for longer than %d ms; retry',
)
