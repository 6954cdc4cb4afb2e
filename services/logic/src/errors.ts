import { defineError } from '@tessera/kernel'

// Logic errors. LOGIC_* are platform refusals between gateway and logic;
// PROFILE_* are game-level refusals a client sees as WIRE_REJECTED with the
// code as ErrorReply.name.

export const LogicStaleBind = defineError<[string, string, string]>(
  'LOGIC_STALE_BIND',
  'bind of user %s at epoch %s refused: the session already holds epoch %s',
)
export const ProfileBadNickname = defineError<[string]>('PROFILE_BAD_NICKNAME', 'nickname refused: %s', {
  client: true,
})
export const ProfileBadMotto = defineError<[string]>('PROFILE_BAD_MOTTO', 'motto refused: %s', {
  client: true,
})
export const ProfileNotAvailable = defineError<[string]>(
  'PROFILE_NOT_AVAILABLE',
  "profile of user %s is not available here (only the player's own profile is served)",
  { client: true },
)
export const LogicNotYourGateway = defineError<[number, string]>(
  'LOGIC_NOT_YOUR_GATEWAY',
  'a bind for gateway %d came from %s: a gateway binds only its own connections',
)
