// The test run stops the shared MariaDB it started (vitest globalSetup in
// packages/storage/src/testing/global-setup.ts): a nested vitest run with
// its own temp dir (so its own shared instance) must leave no mysqld behind.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tessera-teardown-'))
afterAll(() => {
  // Should the check fail, do not leave the server running either.
  const dir = path.join(tmp, `tessera-mariadb-${os.userInfo().uid}`)
  if (existsSync(path.join(dir, 'port')))
    spawnSync('bash', [path.join(root, 'scripts/mariadb/mariadb.sh'), 'stop', dir], { timeout: 120_000 })
  rmSync(tmp, { recursive: true, force: true })
})

describe('shared test MariaDB', () => {
  it('is stopped when the test run that started it ends', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp }
    delete env.MYSQL_URL
    delete env.TESSERA_KEEP_MARIADB
    delete env.VITEST
    delete env.VITEST_POOL_ID
    delete env.VITEST_WORKER_ID
    const r = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        'packages/storage/src/fencing.test.ts',
        '-t',
        'refuses the writes of a stale owner',
      ],
      { cwd: root, env, encoding: 'utf8', timeout: 240_000 },
    )
    expect(r.status, r.stdout + r.stderr).toBe(0)
    const dir = path.join(tmp, `tessera-mariadb-${os.userInfo().uid}`)
    // The nested run did start its own instance...
    expect(existsSync(path.join(dir, 'port'))).toBe(true)
    // ...and stopped it: no pid file, and the recorded pid is gone.
    const pidFile = path.join(dir, 'mysqld.pid')
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim())
      expect(() => process.kill(pid, 0)).toThrow()
    }
    const status = spawnSync('bash', [path.join(root, 'scripts/mariadb/mariadb.sh'), 'status', dir])
    expect(status.status).not.toBe(0)
  }, 300_000)
})
