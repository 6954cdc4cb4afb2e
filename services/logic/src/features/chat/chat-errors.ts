import { defineError } from '@tessera/kernel'

// Chat refusals. Every one is { client: true }: the player gets the code
// and message (WIRE_REJECTED named by the code), and a refusal changes
// nothing. The owner logic of a channel throws some of them; they travel
// back to the sender's logic with their code (cluster error replies).

export const ChatEmpty = defineError<[]>('CHAT_EMPTY', 'the line is empty after normalisation', {
  client: true,
})
export const ChatTooLong = defineError<[number, number]>(
  'CHAT_TOO_LONG',
  'the line has %d characters > max %d',
  { client: true },
)
export const ChatRateLimited = defineError<[number, number]>(
  'CHAT_RATE_LIMITED',
  'more than %d lines a second: wait %d ms',
  { client: true },
)
export const ChatMuted = defineError<[string]>('CHAT_MUTED', 'you are muted until %s', { client: true })
export const ChatBanned = defineError<[]>('CHAT_BANNED', 'you are banned from chat', { client: true })
export const ChatBadChannelName = defineError<[string, string]>(
  'CHAT_BAD_CHANNEL_NAME',
  'channel name %j refused: %s',
  { client: true },
)
export const ChatNoChannel = defineError<[string]>('CHAT_NO_CHANNEL', 'there is no channel %s', {
  client: true,
})
export const ChatChannelExists = defineError<[string]>('CHAT_CHANNEL_EXISTS', 'channel %s already exists', {
  client: true,
})
export const ChatChannelFull = defineError<[string, number]>(
  'CHAT_CHANNEL_FULL',
  'channel %s is full (%d members)',
  { client: true },
)
export const ChatNotMember = defineError<[string]>('CHAT_NOT_MEMBER', 'you are not a member of channel %s', {
  client: true,
})
export const ChatTooManyChannels = defineError<[number]>(
  'CHAT_TOO_MANY_CHANNELS',
  'you are in %d channels already (the most there may be)',
  { client: true },
)
export const ChatTargetUnavailable = defineError<[string, string]>(
  'CHAT_TARGET_UNAVAILABLE',
  'player %s cannot receive private messages: %s',
  { client: true },
)
export const ChatUnavailable = defineError<[string, string]>(
  'CHAT_UNAVAILABLE',
  'chat %s is unavailable right now (%s); try again shortly',
  { client: true },
)
export const ChatBadPeer = defineError<[string, string]>(
  'CHAT_BAD_PEER',
  '%s may not send %s (only logic services relay chat, only the center moderates)',
)
