import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * scrypt parameters of new hashes: N = 2^15, r = 8, p = 1 (32 MiB, about
 * 0.1 s on one core), the interactive-login level of RFC 7914 §2 and
 * OWASP's password storage sheet. Stored in each hash, so they can grow
 * without invalidating old ones.
 */
const N = 2 ** 15
const R = 8
const P = 1
const KEY_BYTES = 32
/** scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is just below. */
const MAXMEM = 256 * 1024 * 1024

function derive(password: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...o, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$salt$key` (salt and key base64url). */
export async function hashOperatorPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, { N, r: R, p: P })
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Whether `password` matches `hash` (constant-time compare); false for a hash it cannot read. */
export async function verifyOperatorPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/.exec(hash)
  if (!m) return false
  const [n, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])]
  // Bounds keep a tampered file from asking for gigabytes.
  if (n < 2 ** 10 || n > 2 ** 20 || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false
  const want = Buffer.from(m[5]!, 'base64url')
  if (want.length !== KEY_BYTES) return false
  const got = await derive(password, Buffer.from(m[4]!, 'base64url'), { N: n, r, p })
  return timingSafeEqual(got, want)
}

/** A hash that matches no password: verified against when the name is unknown, so timing does not tell names. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA$${Buffer.alloc(KEY_BYTES).toString('base64url')}`
