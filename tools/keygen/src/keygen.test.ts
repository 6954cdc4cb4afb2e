import { mkdtempSync, readdirSync as readdir, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './cli.js'
import { KeygenBadAlphabet, KeygenBadLength, KeygenFileExists } from './errors.js'
import { generateSecret } from './generate-secret.js'
import { ALPHABETS, randomString } from './random-string.js'
import { writeSecretFile } from './write-secret-file.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-keygen-'))
  dirs.push(d)
  return d
}
const mode = (f: string) => statSync(f).mode & 0o777

/** A random source that yields 0, 1, …, 255, 0, 1, … in order: every byte equally often. */
function cycling() {
  let next = 0
  return (size: number) => {
    const b = new Uint8Array(size)
    for (let i = 0; i < size; i++) b[i] = next++ & 0xff
    return b
  }
}

async function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const status = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { status, out, err }
}

describe('randomString', () => {
  it('draws every character equally often from a uniform byte stream (no modulo bias)', () => {
    for (const [name, alphabet] of Object.entries({
      alnum: ALPHABETS.alnum!,
      printable: ALPHABETS.printable!,
      three: 'abc',
    })) {
      const n = [...alphabet].length
      const limit = 256 - (256 % n)
      // Four full cycles of the byte values: each accepted byte value 4 times.
      const s = randomString(4 * limit, alphabet, cycling())
      const counts = new Map<string, number>()
      for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1)
      expect(counts.size, name).toBe(n)
      // With plain byte % n, the first 256 % n characters would come up more often.
      for (const c of alphabet) expect(counts.get(c), `${name} ${c}`).toBe((4 * limit) / n)
    }
  })

  it('skips bytes past the last whole multiple of the alphabet', () => {
    // 62 characters: bytes 248..255 must be rejected, so 248 first maps to nothing.
    const src = () => Uint8Array.from([248, 255, 62, 0])
    expect(randomString(2, ALPHABETS.alnum!, src)).toBe('AA')
  })

  it('uses code points, so non-ASCII alphabets work', () => {
    const s = randomString(64, 'αβγδ', cycling())
    expect([...s]).toHaveLength(64)
    expect(new Set(s)).toEqual(new Set('αβγδ'))
  })

  it('refuses bad alphabets and lengths with typed errors', () => {
    expect(() => randomString(8, 'a')).toThrow(KeygenBadAlphabet)
    expect(() => randomString(8, 'abca')).toThrow(/repeats "a"/)
    expect(() => randomString(8, 'ab\ncd')).toThrow(/control character U\+000a/)
    expect(() =>
      randomString(8, String.fromCodePoint(...Array.from({ length: 257 }, (_, i) => 0x100 + i))),
    ).toThrow(/more than 256/)
    expect(() => randomString(0, 'ab')).toThrow(KeygenBadLength)
    expect(() => randomString(1.5, 'ab')).toThrow(KeygenBadLength)
  })

  it('uses the whole alphabet with the real random source', () => {
    const s = randomString(4000, ALPHABETS.hex!)
    expect(s).toMatch(/^[0-9a-f]{4000}$/)
    expect(new Set(s).size).toBe(16)
  })
})

describe('generateSecret', () => {
  it('encodes random bytes as base64url and counts their bits', () => {
    const s = generateSecret({ kind: 'cluster-secret', bytes: 32 })
    expect(s.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(s.bits).toBe(256)
    expect(generateSecret({ kind: 'token-key' }).value.length).toBeGreaterThanOrEqual(32)
  })

  it('keeps keys long enough for what checks them', () => {
    expect(() => generateSecret({ kind: 'token-key', bytes: 23 })).toThrow(KeygenBadLength)
    expect(() => generateSecret({ kind: 'cluster-secret', bytes: 15 })).toThrow(/16\.\.1024/)
  })

  it('makes passwords from named or literal alphabets', () => {
    const p = generateSecret({ kind: 'password', length: 30, alphabet: 'digits' })
    expect(p.value).toMatch(/^[0-9]{30}$/)
    expect(p.bits).toBe(99.6)
    expect(p.recipe).toBe('30 of digits (10)')
    expect(generateSecret({ kind: 'password', chars: 'xy', length: 5 }).value).toMatch(/^[xy]{5}$/)
    expect(() => generateSecret({ kind: 'password', alphabet: 'emoji' })).toThrow(/unknown name/)
  })
})

describe('writeSecretFile', () => {
  it('creates the file with mode 0600 whatever the umask', () => {
    const d = tmp()
    const old = process.umask(0)
    try {
      writeSecretFile(path.join(d, 'a'), 's3cret')
    } finally {
      process.umask(old)
    }
    expect(readFileSync(path.join(d, 'a'), 'utf8')).toBe('s3cret\n')
    expect(mode(path.join(d, 'a'))).toBe(0o600)
  })

  it('never replaces an existing file without force', () => {
    const f = path.join(tmp(), 'b')
    writeFileSync(f, 'old\n')
    expect(() => writeSecretFile(f, 'new')).toThrow(KeygenFileExists)
    expect(readFileSync(f, 'utf8')).toBe('old\n')
  })

  it('with force, replaces the file and does not keep its wider mode', () => {
    const d = tmp()
    const f = path.join(d, 'c')
    writeFileSync(f, 'old\n', { mode: 0o644 })
    writeSecretFile(f, 'new', { force: true })
    expect(readFileSync(f, 'utf8')).toBe('new\n')
    expect(mode(f)).toBe(0o600)
    // No temporary file left beside it.
    expect(readdir(d)).toEqual(['c'])
  })
})

describe('tessera-keygen', () => {
  it('prints a secret, or writes it 0600 and prints the file', async () => {
    const plain = await cli(['cluster-secret'])
    expect(plain.status).toBe(0)
    expect(plain.out[0]).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const f = path.join(tmp(), 'token.key')
    const r = await cli(['token-key', '--bytes', '48', '--out', f, '--json'])
    expect(r.status).toBe(0)
    const o = JSON.parse(r.out[0]!)
    expect(o).toEqual({ kind: 'token-key', bits: 384, recipe: '48 random bytes, base64url', file: f })
    expect(o.value).toBeUndefined()
    expect(readFileSync(f, 'utf8')).toMatch(/^[A-Za-z0-9_-]{64}\n$/)
    expect(mode(f)).toBe(0o600)
  })

  it('password --json includes the value when nothing is written', async () => {
    const r = await cli(['password', '--length', '16', '--alphabet', 'hex', '--json'])
    const o = JSON.parse(r.out[0]!)
    expect(o.value).toMatch(/^[0-9a-f]{16}$/)
    expect(o.bits).toBe(64)
  })

  it('exits 1 with the error code when the file exists, and 2 on bad usage', async () => {
    const f = path.join(tmp(), 's')
    writeFileSync(f, 'keep\n')
    const r = await cli(['cluster-secret', '--out', f])
    expect(r.status).toBe(1)
    expect(r.err[0]).toBe(
      `tessera-keygen: KEYGEN_FILE_EXISTS: ${f} already exists; pass --force to replace it`,
    )
    expect(readFileSync(f, 'utf8')).toBe('keep\n')
    expect((await cli(['password', '--length', '0'])).err[0]).toMatch(/KEYGEN_BAD_LENGTH/)
    const u = await cli(['password', '--alphabet', 'hex', '--chars', 'ab'])
    expect(u.status).toBe(2)
    expect(u.err[0]).toMatch(/mutually exclusive/)
    expect((await cli(['nonsense'])).status).toBe(2)
  })
})

describe('tessera-keygen ed25519', () => {
  it('writes a 0600 PEM key whose public half (hex) signs handshakes the kernel verifies', async () => {
    const { loadSigningKey, signTranscript, verifyTranscript } = await import('@tessera/kernel')
    const file = path.join(tmp(), 'signing.pem')
    const made = await cli(['ed25519', '--out', file, '--json'])
    expect(made.status).toBe(0)
    const j = JSON.parse(made.out[0]!) as { publicKey: string; keyId: string; file: string }
    expect(j.publicKey).toMatch(/^[0-9a-f]{64}$/)
    expect(j.keyId).toMatch(/^[0-9a-f]{16}$/)
    expect(mode(file)).toBe(0o600)
    const key = loadSigningKey(readFileSync(file))
    expect(Buffer.from(key.publicKey).toString('hex')).toBe(j.publicKey)
    expect(Buffer.from(key.keyId).toString('hex')).toBe(j.keyId)
    const msg = new TextEncoder().encode('transcript')
    expect(verifyTranscript(key.publicKey, msg, signTranscript(key, msg))).toBe(true)
    const again = await cli(['ed25519', '--public-of', file])
    expect(again.out).toEqual([`public ${j.publicKey}`])
    expect((await cli(['ed25519', '--out', file])).status).toBe(1)
  })
})
