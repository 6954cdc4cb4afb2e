import { nanoid } from 'nanoid'
import { IdBadTokenSize } from './errors.js'

/** Default token length: 21 url-safe characters = 126 random bits. */
export const DEFAULT_TOKEN_SIZE = 21

/**
 * A random opaque token (session resume tokens, keys) of `size` characters
 * from the url-safe alphabet `A-Za-z0-9_-`, drawn from the crypto RNG
 * (nanoid). Not ordered and carries no data; use snowflake ids for that.
 */
export function newToken(size: number = DEFAULT_TOKEN_SIZE): string {
  if (!Number.isInteger(size) || size < 1 || size > 1024) throw new IdBadTokenSize(String(size))
  return nanoid(size)
}
