import { defineError } from '@tessera/kernel'

// Profile refusals a client sees (WIRE_REJECTED with the code as
// ErrorReply.name). PROFILE_BAD_NICKNAME, PROFILE_BAD_MOTTO and
// PROFILE_NOT_AVAILABLE live in ../../errors.ts.

export const ProfileBadAvatar = defineError<[number, string]>(
  'PROFILE_BAD_AVATAR',
  'avatar icon %d refused: %s',
  { client: true },
)
export const ProfileBadExp = defineError<[number, number]>(
  'PROFILE_BAD_EXP',
  'exp gain %d refused: 1..%d per request',
  { client: true },
)
export const ProfileNotFound = defineError<[string]>('PROFILE_NOT_FOUND', 'no player %s', { client: true })
export const ProfileNicknameAtLogin = defineError<[]>(
  'PROFILE_NICKNAME_AT_LOGIN',
  "the nickname is changed through login (change-nickname); the profile takes it at the player's next login",
  { client: true },
)
