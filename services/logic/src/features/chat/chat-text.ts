import { ChatBadChannelName, ChatEmpty, ChatTooLong } from './chat-errors.js'

/**
 * Removed from chat text: C0/C1 controls (Cc, which includes newlines and
 * tabs: a chat line is one line) and the bidirectional overrides and
 * isolates (Cf, used to disguise text). Other format characters stay: the
 * zero-width joiner builds emoji sequences.
 */
const REMOVED = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/gu

/** The world channel: every online player is in it; it cannot be created, left or listed. */
export const WORLD = 'world'

const CHANNEL_NAME = /^[\p{L}\p{N}_-]+$/u
const CHANNEL_NAME_MAX = 24

/**
 * A chat line as the server keeps and sends it: NFC-normalised, control and
 * bidi characters removed, trimmed; 1..max characters (code points, so an
 * emoji counts once). Throws CHAT_EMPTY or CHAT_TOO_LONG.
 */
export function normaliseText(raw: string, max: number): string {
  // Inputs are bounded by the gateway's frame size; a line far over the cap
  // is refused before the work of normalising it.
  if (raw.length > max * 4) throw new ChatTooLong([...raw].length, max)
  const text = raw.normalize('NFC').replace(REMOVED, '').trim()
  if (text.length === 0) throw new ChatEmpty()
  const len = codePoints(text)
  if (len > max) throw new ChatTooLong(len, max)
  return text
}

/** A channel name: NFC, letters, digits, `_` and `-`, 1..24 characters; case kept. */
export function channelName(raw: string): string {
  const name = raw.normalize('NFC').trim()
  if (name.length === 0) throw new ChatBadChannelName(raw, 'empty')
  if (codePoints(name) > CHANNEL_NAME_MAX)
    throw new ChatBadChannelName(raw, `longer than ${CHANNEL_NAME_MAX} characters`)
  if (!CHANNEL_NAME.test(name)) throw new ChatBadChannelName(raw, 'only letters, digits, _ and - are allowed')
  return name
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}
