import { randomBytes } from 'node:crypto'
import { KeygenBadAlphabet, KeygenBadLength } from './errors.js'

/** Source of uniformly random bytes (crypto.randomBytes; tests pass a scripted one). */
export type RandomSource = (size: number) => Uint8Array

export const MAX_STRING_LENGTH = 4096

/**
 * `length` characters drawn uniformly and independently from `alphabet`
 * (its Unicode code points, 2..256 distinct ones).
 *
 * Each character takes one random byte. `byte % n` alone would favour the
 * first `256 % n` characters (for 62 characters, 8 of them come up 5/4 as
 * often as the rest), so bytes at or above the largest multiple of n below
 * 256 are thrown away and drawn again (rejection sampling).
 */
export function randomString(length: number, alphabet: string, random: RandomSource = randomBytes): string {
  const chars = checkAlphabet(alphabet)
  if (!Number.isInteger(length) || length < 1 || length > MAX_STRING_LENGTH)
    throw new KeygenBadLength('length', length, 1, MAX_STRING_LENGTH)
  const n = chars.length
  const limit = 256 - (256 % n)
  const out: string[] = []
  while (out.length < length) {
    // Expected bytes needed, plus a margin, so one draw usually suffices.
    const want = Math.ceil(((length - out.length) * 256) / limit) + 8
    for (const b of random(want)) {
      if (b >= limit) continue
      out.push(chars[b % n]!)
      if (out.length === length) break
    }
  }
  return out.join('')
}

/** The alphabet's code points; KEYGEN_BAD_ALPHABET when too small, too large or repeating one. */
export function checkAlphabet(alphabet: string): string[] {
  const chars = [...alphabet]
  if (chars.length < 2) throw new KeygenBadAlphabet(alphabet, 'needs at least 2 characters')
  if (chars.length > 256) throw new KeygenBadAlphabet(alphabet, 'has more than 256 characters')
  const seen = new Set<string>()
  for (const c of chars) {
    if (seen.has(c))
      throw new KeygenBadAlphabet(alphabet, `repeats ${JSON.stringify(c)} (it would be drawn more often)`)
    // A control character in a secret file breaks copy-paste and shells.
    if (/\p{Cc}/u.test(c))
      throw new KeygenBadAlphabet(
        alphabet,
        `contains control character U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
      )
    seen.add(c)
  }
  return chars
}

/** Bits of entropy of a uniform string: length × log2(alphabet size). */
export function entropyBits(length: number, alphabetSize: number): number {
  return Math.floor(length * Math.log2(alphabetSize) * 10) / 10
}

const range = (from: string, to: string) => {
  let s = ''
  for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) s += String.fromCharCode(c)
  return s
}
const LOWER = range('a', 'z')
const UPPER = range('A', 'Z')
const DIGITS = range('0', '9')

/** Named alphabets for `--alphabet`. */
export const ALPHABETS: Readonly<Record<string, string>> = {
  alnum: UPPER + LOWER + DIGITS,
  alpha: UPPER + LOWER,
  lower: LOWER,
  upper: UPPER,
  digits: DIGITS,
  hex: `${DIGITS}abcdef`,
  base64url: `${UPPER}${LOWER}${DIGITS}-_`,
  /** Every printable ASCII character but space (94). */
  printable: range('!', '~'),
}
