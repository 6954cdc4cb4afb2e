// Operator sessions survive a center restart: the real center process (its
// entry point, real MariaDB), an operator logs in, the center is stopped and
// started again on the same database, and the same cookie still opens the
// page and runs an action with its CSRF token. A forged cookie, a session
// that expired while the center was down and a logged-out one are refused.

import path from 'node:path'
import { type TempDir, tempDir } from '@tessera/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CenterProcess,
  dropDatabases,
  freePort,
  newDatabase,
  openCenterDatabase,
  spawnCenter,
} from '../fixtures/harness.js'
import { setOperator } from './operators-file.js'

const PASSWORD = 'restart-proof operator password'
const TOKEN = 'restart-test-admin-token-0123'

describe('operator sessions across a center restart (real center, real MariaDB)', () => {
  let dir: TempDir
  let file: string
  const database = newDatabase()
  let center: CenterProcess | undefined
  let base = ''

  async function start(): Promise<void> {
    center = await spawnCenter(await freePort(), database, {
      args: ['--center.ui.operatorsFile', file, '--center.ui.sessionIdleMs', '600000'],
      env: { TESSERA_CENTER__ADMIN_TOKEN: TOKEN },
    })
    base = (await center.ready).admin
  }

  async function stop(): Promise<void> {
    if (!center) return
    center.child.kill('SIGTERM')
    expect(await center.exited).toBe(0)
    center = undefined
  }

  const session = (cookie: string) => fetch(`${base}/ui/api/session`, { headers: { cookie } })
  const post = (p: string, body: unknown, h: Record<string, string> = {}) =>
    fetch(`${base}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, ...h },
      body: JSON.stringify(body),
    })
  async function login(): Promise<{ cookie: string; csrf: string }> {
    const res = await post('/ui/api/login', { name: 'alice', password: PASSWORD })
    expect(res.status).toBe(200)
    return {
      cookie: res.headers.get('set-cookie')!.split(';')[0]!,
      csrf: ((await res.json()) as { csrf: string }).csrf,
    }
  }

  beforeAll(async () => {
    dir = tempDir('op-sessions')
    file = path.join(dir.path, 'operators')
    await setOperator(file, 'alice', PASSWORD)
    await start()
  }, 60_000)

  afterAll(async () => {
    if (center && center.child.exitCode === null) {
      center.child.kill('SIGKILL')
      await center.exited
    }
    await dropDatabases()
    dir.remove()
  }, 30_000)

  it('keeps a session and its CSRF token; refuses forged, expired and logged-out cookies', async () => {
    const kept = await login()
    const expired = await login()
    const loggedOut = await login()
    expect(
      (await post('/ui/api/logout', {}, { cookie: loggedOut.cookie, 'x-csrf-token': loggedOut.csrf })).status,
    ).toBe(200)
    expect((await session(loggedOut.cookie)).status).toBe(401)

    await stop()
    // The table holds digests only, never a cookie value; age one session past its idle limit while the center is down.
    const db = await openCenterDatabase(database)
    try {
      const rows = await db.query<{ digest: string; operator: string }[]>(
        'test read',
        'SELECT digest, operator FROM operator_sessions',
      )
      expect(rows.map((r) => r.operator)).toEqual(['alice', 'alice'])
      for (const c of [kept, expired]) {
        const value = c.cookie.slice(c.cookie.indexOf('=') + 1)
        expect(rows.some((r) => r.digest === value)).toBe(false)
      }
      const { createHash } = await import('node:crypto')
      const digestOf = (c: { cookie: string }) =>
        createHash('sha256')
          .update(c.cookie.slice(c.cookie.indexOf('=') + 1), 'utf8')
          .digest('base64url')
      await db.query(
        'test age',
        'UPDATE operator_sessions SET last_seen_at_ms = last_seen_at_ms - 700000 WHERE digest = ?',
        [digestOf(expired)],
      )
    } finally {
      await db.dispose()
    }
    await start()

    // The same cookie opens the page, and its CSRF token still runs an action.
    const s = await session(kept.cookie)
    expect(s.status).toBe(200)
    expect(await s.json()).toMatchObject({ operator: 'alice', csrf: kept.csrf })
    const action = await post(
      '/ui/api/admin/gateways/notice',
      { text: 'after the restart' },
      { cookie: kept.cookie, 'x-csrf-token': kept.csrf },
    )
    expect(action.status).toBe(200)
    // Without the CSRF token the cookie alone does nothing.
    expect((await post('/ui/api/admin/gateways/notice', { text: 'x' }, { cookie: kept.cookie })).status).toBe(
      403,
    )

    expect((await session(expired.cookie)).status).toBe(401)
    expect((await session(loggedOut.cookie)).status).toBe(401)
    const forged = `tessera_op=${Buffer.alloc(32, 7).toString('base64url')}`
    expect((await session(forged)).status).toBe(401)

    // Logout still ends it, for good: after one more restart it stays refused.
    expect(
      (await post('/ui/api/logout', {}, { cookie: kept.cookie, 'x-csrf-token': kept.csrf })).status,
    ).toBe(200)
    await stop()
    await start()
    expect((await session(kept.cookie)).status).toBe(401)
    await stop()
  }, 120_000)
})
