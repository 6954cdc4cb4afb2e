// Where a process's cluster secrets come from and how they reload: the
// checks on a set of secrets, a secretFile re-read on SIGHUP (a real signal
// to this process) and when it changes, and a bad file refused with the
// previous secrets kept.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { until } from '@tessera/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryLogger } from '../net/index.js'
import { ClusterSecretSource } from './cluster-secret-source.js'
import { ClusterSecrets } from './cluster-secrets.js'

const A = 'cluster-secret-a-0123456789'
const B = 'cluster-secret-b-0123456789'

const closers: (() => void)[] = []
afterEach(() => {
  for (const c of closers.splice(0).reverse()) c()
})

function tempFile(text: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-secrets-'))
  closers.push(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'cluster.secrets')
  if (text !== null) writeFileSync(file, text, { mode: 0o600 })
  return file
}

describe('ClusterSecrets', () => {
  it.each([
    ['no secret', [], 'CLUSTER_BAD_SECRETS'],
    ['more than 4', [A, B, `${A}c`, `${A}d`, `${A}e`], 'CLUSTER_BAD_SECRETS'],
    ['a short one', [A, 'short'], 'CLUSTER_BAD_SECRET'],
  ])('refuses %s', (_name, list, code) => {
    expect(() => new ClusterSecrets(list)).toThrow(expect.objectContaining({ code }))
    const s = new ClusterSecrets(A)
    expect(() => s.replace(list)).toThrow(expect.objectContaining({ code }))
    expect(s.list).toEqual([A])
    expect(s.generation).toBe(1)
  })

  it('replaces the set in order, drops duplicates, and says when nothing changed', () => {
    const s = new ClusterSecrets([A])
    expect(s.replace([B, A, B])).toBe(true)
    expect(s.list).toEqual([B, A])
    expect(s.replace([B, A])).toBe(false)
    expect(s.generation).toBe(2)
  })
})

describe('ClusterSecretSource', () => {
  const logger = () => new MemoryLogger()

  it('takes secret then acceptSecrets from the config, in that order', async () => {
    const src = await ClusterSecretSource.open({ secret: A, acceptSecrets: [B] }, { logger: logger() })
    closers.push(() => src.close())
    expect(src.secrets.list).toEqual([A, B])
    expect(await src.reload()).toBe(false)
  })

  it.each([
    ['neither a secret nor a file', {}, false, /set the secret or a secretFile/],
    ['a secret and a file', { secret: A }, true, /not both/],
    ['acceptSecrets and a file', { acceptSecrets: [B] }, true, /not both/],
  ])('refuses %s', async (_name, config, withFile, message) => {
    // A readable file, so only the check itself can refuse.
    const file = withFile ? { secretFile: tempFile(`${A}\n`) } : {}
    await expect(
      ClusterSecretSource.open({ ...config, ...file }, { logger: logger(), signal: null }),
    ).rejects.toMatchObject({ code: 'CLUSTER_BAD_SECRETS', message: expect.stringMatching(message) })
  })

  it.each([
    ['a missing file', null, 'CLUSTER_BAD_SECRETS', /secretFile .*cluster.secrets: ENOENT/],
    ['an empty file', '\n \n', 'CLUSTER_BAD_SECRETS', /secretFile .*cluster.secrets holds no secret/],
    ['a short secret', `${A}\nshort\n`, 'CLUSTER_BAD_SECRET', /at least 16 characters/],
  ])('refuses %s at start', async (_name, text, code, message) => {
    const secretFile = tempFile(text)
    await expect(
      ClusterSecretSource.open({ secretFile }, { logger: logger(), signal: null }),
    ).rejects.toMatchObject({ code, message: expect.stringMatching(message) })
  })

  it('reloads the file on SIGHUP, and keeps the previous secrets when the new file is refused', async () => {
    const secretFile = tempFile(`${A}\n`)
    const log = logger()
    const src = await ClusterSecretSource.open({ secretFile }, { logger: log, watch: false })
    closers.push(() => src.close())
    expect(src.secrets.list).toEqual([A])
    writeFileSync(secretFile, ` ${A}\r\n\n${B}\n`)
    process.kill(process.pid, 'SIGHUP')
    await until(() => src.secrets.generation === 2, 10_000, 'the SIGHUP reload')
    expect(src.secrets.list).toEqual([A, B])
    expect(log.lines.some((l) => l.msg === 'cluster secrets reloaded')).toBe(true)
    // Never a secret in the log.
    expect(JSON.stringify(log.lines)).not.toContain(A)

    for (const bad of ['', `${B}\nshort\n`]) {
      writeFileSync(secretFile, bad)
      expect(await src.reload()).toBe(false)
      expect(src.secrets.list).toEqual([A, B])
    }
    expect(log.lines.filter((l) => l.msg?.startsWith('cluster secrets not reloaded'))).toHaveLength(2)
  })

  it('reloads when the file changes (watched), with no signal', async () => {
    const secretFile = tempFile(`${A}\n`)
    const src = await ClusterSecretSource.open({ secretFile }, { logger: logger(), signal: null })
    closers.push(() => src.close())
    writeFileSync(secretFile, `${B}\n${A}\n`)
    await until(() => src.secrets.generation === 2, 10_000, 'the watched reload')
    expect(src.secrets.list).toEqual([B, A])
  })
})
