/**
 * Resume tokens are `<userId>.<random>`: the user id lets any gateway find
 * the player's logic (by the shard map) without asking anyone; the random
 * part (32 characters of nanoid, 190 bits) is what logic checks.
 */
const FORMAT = /^(\d{1,20})\.[A-Za-z0-9_-]{32}$/

/** The user id a resume token names, or null when it is malformed. */
export function parseResumeToken(token: string): bigint | null {
  const m = FORMAT.exec(token)
  return m ? BigInt(m[1]!) : null
}
