import { randomBytes } from 'node:crypto'
import { KeygenBadAlphabet, KeygenBadLength } from './errors.js'
import { ALPHABETS, checkAlphabet, entropyBits, type RandomSource, randomString } from './random-string.js'

export type SecretKind = 'cluster-secret' | 'token-key' | 'password'

export interface SecretRequest {
  kind: SecretKind
  /** cluster-secret and token-key: random bytes before base64url (default 32). */
  bytes?: number
  /** password: characters (default 24). */
  length?: number
  /** password: a name from {@link ALPHABETS} (default alnum). */
  alphabet?: string
  /** password: literal characters to draw from, instead of a named alphabet. */
  chars?: string
  random?: RandomSource
}

export interface Secret {
  kind: SecretKind
  value: string
  /** Bits of entropy. */
  bits: number
  /** How it was made, e.g. `32 random bytes, base64url` or `24 of alnum (62)`. */
  recipe: string
}

/**
 * Minimum random bytes per kind. The cluster secret is checked for >= 16
 * characters by the kernel; HMAC token keys for >= 32 bytes of text, which
 * base64url of 24 bytes is.
 */
const MIN_BYTES: Record<'cluster-secret' | 'token-key', number> = { 'cluster-secret': 16, 'token-key': 24 }
const MAX_BYTES = 1024

export function generateSecret(req: SecretRequest): Secret {
  const random = req.random ?? randomBytes
  if (req.kind === 'password') {
    const length = req.length ?? 24
    let alphabet: string
    let name: string
    if (req.chars !== undefined) {
      alphabet = req.chars
      name = 'custom'
    } else {
      name = req.alphabet ?? 'alnum'
      const named = ALPHABETS[name]
      if (named === undefined)
        throw new KeygenBadAlphabet(name, `unknown name (known: ${Object.keys(ALPHABETS).join(', ')})`)
      alphabet = named
    }
    const size = checkAlphabet(alphabet).length
    const value = randomString(length, alphabet, random)
    return {
      kind: req.kind,
      value,
      bits: entropyBits(length, size),
      recipe: `${length} of ${name} (${size})`,
    }
  }
  const bytes = req.bytes ?? 32
  const min = MIN_BYTES[req.kind]
  if (!Number.isInteger(bytes) || bytes < min || bytes > MAX_BYTES)
    throw new KeygenBadLength(`${req.kind} bytes`, bytes, min, MAX_BYTES)
  const raw = random(bytes)
  if (raw.length !== bytes) throw new Error(`random source returned ${raw.length} of ${bytes} bytes`)
  return {
    kind: req.kind,
    value: Buffer.from(raw).toString('base64url'),
    bits: bytes * 8,
    recipe: `${bytes} random bytes, base64url`,
  }
}
