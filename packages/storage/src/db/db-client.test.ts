import { afterEach, describe, expect, it } from 'vitest'
import { StorageUnavailable } from '../errors.js'
import { sql, testDatabase } from '../testing/mariadb.js'
import { DbClient } from './db-client.js'
import { classify, QueryMetrics } from './query-metrics.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const silent = { info() {}, warn() {}, error() {} }

describe('classify', () => {
  it('splits reads from writes by statement class', () => {
    expect(classify(' select 1')).toBe('select')
    expect(classify('INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 1')).toBe('insert')
    expect(classify('/* x */ UPDATE t SET a = 1')).toBe('update')
    expect(classify('REPLACE INTO t VALUES (1)')).toBe('replace')
    expect(classify('delete from t')).toBe('delete')
    expect(classify('CREATE TABLE t (a INT)')).toBe('ddl')
    expect(classify('SET NAMES utf8mb4')).toBe('other')
  })
})

describe('DbClient', () => {
  async function open(extra: Partial<Parameters<typeof DbClient.open>[0]> = {}) {
    const t = await testDatabase('db')
    cleanups.push(() => t.drop())
    const c = await DbClient.open(
      { url: t.url, database: t.name, createDatabase: true, ...extra },
      new QueryMetrics(),
      silent,
    )
    cleanups.push(() => c.close())
    return { c, t }
  }

  it('reaps idle connections before the server wait_timeout and keeps working', {
    timeout: 20_000,
  }, async () => {
    const { c } = await open({ sessionInit: ['SET SESSION wait_timeout = 2'], pingIntervalMs: 0 })
    expect(c.idleTimeoutMs).toBe(1000)
    await Promise.all([
      c.query('SELECT SLEEP(0.05)'),
      c.query('SELECT SLEEP(0.05)'),
      c.query('SELECT SLEEP(0.05)'),
    ])
    expect(c.freeConnections()).toBeGreaterThanOrEqual(2)
    await new Promise((r) => setTimeout(r, 3500))
    expect(c.freeConnections()).toBe(0)
    const rows = await c.query<{ wt: number }[]>('SELECT @@SESSION.wait_timeout AS wt')
    expect(Number(rows[0]?.wt)).toBe(2)
  })

  it('survives connections the server killed without an error reaching the caller', async () => {
    const { c, t } = await open()
    await Promise.all([c.query('SELECT SLEEP(0.05)'), c.query('SELECT SLEEP(0.05)')])
    const ids = await sql<{ id: number }[]>(
      t.url,
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ?',
      [t.name],
    )
    expect(ids.length).toBeGreaterThanOrEqual(2)
    for (const r of ids) await sql(t.url, `KILL CONNECTION ${r.id}`).catch(() => {})
    for (let i = 0; i < 5; i++) expect(await c.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it('bounds the wait queue and times out slow statements', async () => {
    const { c } = await open({
      connectionLimit: 1,
      queueLimit: 1,
      // 0.2 s statements under a 2 s timeout (a loaded box stretches them), and
      // a statement that cannot answer before 8 s: each outcome is decided by
      // margins of several times, not by the box's speed.
      queryTimeoutMs: 2000,
      retry: { attempts: 0 },
    })
    const slow = c.query('SELECT SLEEP(0.2)')
    const queued = c.query('SELECT 1')
    await expect(c.query('SELECT 2')).rejects.toThrow(/STORAGE_QUEUE_FULL|queue full/)
    await Promise.all([slow, queued])
    await expect(c.query('SELECT SLEEP(8)')).rejects.toThrow(/STORAGE_UNAVAILABLE|timeout/i)
    expect(await c.query('SELECT 3 AS x')).toEqual([{ x: 3 }])
  })

  it('gives up a call with a deadline as STORAGE_UNAVAILABLE, retries included, however long the statement', async () => {
    // Long query timeout and many retries: without the deadline this call would wait for SLEEP(3) and return.
    const { c } = await open({ queryTimeoutMs: 60_000, retry: { attempts: 5 } })
    const err = await c.query('SELECT SLEEP(3)', [], true, 200).catch((e: unknown) => e)
    expect(StorageUnavailable.is(err)).toBe(true)
    expect((err as Error).message).toMatch(/no answer within 200 ms/)
    expect(await c.query('SELECT 4 AS x', [], true, 5000)).toEqual([{ x: 4 }])
  })

  it('close() returns one promise to every caller', async () => {
    const { c } = await open()
    expect(c.close()).toBe(c.close())
    await c.close()
  })
})
