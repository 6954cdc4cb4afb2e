import type { MessageType } from '@tessera/protocol'
import { LoginBadField, LoginHttpBadJson } from '../errors.js'

/**
 * A JSON request body as a message of `type`: every field the message has
 * is checked against the type of its default value (strings must be
 * strings, 64-bit integers decimal strings or safe integers, ...); fields
 * the message does not have are ignored, missing ones take their default.
 * Follows proto3's JSON mapping (camelCase names, 64-bit integers as strings).
 */
export function messageFromJson<T>(type: MessageType<T>, text: string): T {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw LoginHttpBadJson.with({ cause: err }, (err as Error).message)
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new LoginHttpBadJson(`expected an object, got ${Array.isArray(body) ? 'an array' : String(body)}`)
  const src = body as Record<string, unknown>
  const out = type.create() as Record<string, unknown>
  for (const [key, def] of Object.entries(out)) {
    if (!Object.hasOwn(src, key)) continue
    const v = src[key]
    if (v === null) continue
    switch (typeof def) {
      case 'string':
        if (typeof v !== 'string') throw new LoginBadField(key, 'a string')
        out[key] = v
        break
      case 'boolean':
        if (typeof v !== 'boolean') throw new LoginBadField(key, 'true or false')
        out[key] = v
        break
      case 'number':
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
          throw new LoginBadField(key, 'a non-negative integer')
        out[key] = v
        break
      case 'bigint':
        if (typeof v === 'number' && Number.isSafeInteger(v)) out[key] = BigInt(v)
        else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) out[key] = BigInt(v)
        else throw new LoginBadField(key, 'an integer (a decimal string for 64-bit values)')
        break
      default:
        // Message-typed and repeated fields: the login requests have none.
        throw new LoginBadField(key, 'absent')
    }
  }
  return out as T
}

/** A message as JSON text: 64-bit integers as decimal strings, absent sub-messages left out. */
export function messageToJson(message: unknown): string {
  return JSON.stringify(message, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}
