// The scheduled backup where systemd is not PID 1: the supervisor runs the
// very timer and service units deploy writes for the database node, against
// a real MariaDB (scripts/mariadb/mariadb.sh). The schedule fires every 2 s
// (`*:*:0/2`): each run dumps the database with tools/db-backup and prunes to
// `backupKeep`; the newest dump restores into a fresh database with the same
// rows. Needs the built tools (pnpm build), like the pipeline's test stage.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTopology } from '../topology/index.js'
import { backupUnit, nodeFiles } from '../units/index.js'
import type { TimerState } from './run-timer.js'
import { alive, Supervisor } from './service-manager.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const backupCli = path.join(repo, 'tools/db-backup/dist/cli.js')
const mariadbSh = path.join(repo, 'scripts/mariadb/mariadb.sh')
const run = existsSync(backupCli) || process.env.CI === 'true'

const agent = [
  process.execPath,
  '--conditions=tessera-source',
  '--import',
  `file://${path.join(repo, 'node_modules/tsx/dist/loader.mjs')}`,
  path.join(repo, 'deploy/src/agent-cli.ts'),
]

describe.runIf(run)('scheduled backup under the supervisor (real MariaDB)', () => {
  let tmp: string
  let dbDir: string
  let url: URL
  let sup: Supervisor
  let timer: string

  const sql = (q: string) => {
    const r = spawnSync(
      'mariadb',
      ['-h', url.hostname, '-P', url.port, '-u', decodeURIComponent(url.username), '-N', '-B', '-e', q],
      { encoding: 'utf8' },
    )
    if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`)
    return r.stdout.trim()
  }

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'backup-timer-'))
    dbDir = path.join(tmp, 'mariadb')
    const out = spawnSync('bash', [mariadbSh, 'start', dbDir, '0'], { encoding: 'utf8' })
    if (out.status !== 0) throw new Error(`mariadb.sh: ${out.stderr}`)
    url = new URL(out.stdout.trim().split('\n').at(-1)!)
    sql(
      'CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40)); ' +
        "INSERT INTO shop.items VALUES (1, 'lantern'), (2, 'harbour map'), (3, 'violet ink')",
    )
  }, 120_000)

  afterAll(async () => {
    if (sup && timer) await sup.stop(timer)
    if (dbDir) spawnSync('bash', [mariadbSh, 'stop', dbDir])
    if (tmp && !process.env.KEEP_BACKUP_TMP) rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  it('runs the backup on schedule, keeps backupKeep dumps, and the newest restores', async () => {
    const root = path.join(tmp, 'node')
    const t = parseTopology({
      cluster: 'tsr',
      root,
      user: 'root',
      nodeBin: process.execPath,
      manager: 'supervisor',
      mariadb: {
        node: 'a',
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        backupSchedule: '*:*:0/2',
        backupRandomDelaySec: 0,
        backupKeep: 2,
        backupDatabases: ['shop'],
      },
      secrets: { cluster: { env: 'UNUSED' } },
      nodes: [{ name: 'a', address: '127.0.0.1', transport: { local: true } }],
      services: [{ kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } }],
    })
    for (const f of nodeFiles(t, 'a', { clusterSecret: 'x'.repeat(20), dbPassword: undefined })) {
      mkdirSync(path.dirname(f.path), { recursive: true })
      writeFileSync(f.path, f.content, { mode: f.mode })
    }
    // The node's current release is this checkout (its built tools).
    symlinkSync(repo, path.join(root, 'current'))
    mkdirSync(path.join(root, 'backups'), { recursive: true })
    sup = new Supervisor(path.join(root, 'units'), path.join(root, 'run'), agent)
    timer = `${backupUnit(t)}.timer`
    await sup.start(timer)

    const state = () =>
      JSON.parse(readFileSync(path.join(root, 'run', `${timer}.json`), 'utf8')) as TimerState
    const dumps = () =>
      readdirSync(path.join(root, 'backups'))
        .filter((f) => /^shop-.*\.sql\.gz$/.test(f))
        .sort()
    // Three runs: the third prunes to two dumps.
    const end = Date.now() + 90_000
    const triggers: number[] = []
    while (state().restarts < 3 || state().state !== 'waiting') {
      const s = state()
      if (s.lastTriggerMs && !triggers.includes(s.lastTriggerMs)) triggers.push(s.lastTriggerMs)
      if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(s)}`)
      await sleep(50)
    }
    const s = state()
    expect(s.lastExit).toBe('code 0')
    expect(alive(s.runnerPid)).toBe(true)
    // Each run starts on a scheduled second (an even one), never between.
    for (const at of triggers) expect(Math.floor(at / 1000) % 2).toBe(0)
    expect(s.nextElapseMs! % 2000).toBe(0)
    expect(dumps()).toHaveLength(2)
    expect(sup.status(timer).state).toBe('waiting')

    // The newest dump restores with every row.
    sql("INSERT INTO shop.items VALUES (4, 'after the backup')")
    const newest = path.join(root, 'backups', dumps().at(-1)!)
    const restore = spawnSync(
      process.execPath,
      [backupCli, 'restore', '--url', url.href, '--file', newest, '--database', 'shop_restored'],
      { encoding: 'utf8' },
    )
    expect(restore.status, restore.stderr).toBe(0)
    expect(sql('SELECT id, name FROM shop_restored.items ORDER BY id')).toBe(
      '1\tlantern\n2\tharbour map\n3\tviolet ink',
    )

    // Stopped, it runs no more.
    await sup.stop(timer)
    expect(alive(s.runnerPid)).toBe(false)
    expect(sup.status(timer).state).toBe('stopped')
  }, 150_000)
})
