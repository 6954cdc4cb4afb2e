import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createConnection } from 'mysql2/promise'

/**
 * Real MariaDB for tests: `MYSQL_URL` when set, otherwise a private instance
 * started through scripts/mariadb/mariadb.sh. The shared instance lives in a
 * fixed directory under the OS temp dir and is started once; the script's
 * flock makes parallel test files (vitest forks) agree on one server. It is
 * left running between runs (`scripts/mariadb/mariadb.sh stop DIR` stops it).
 */

const run = promisify(execFile)

export const MARIADB_SCRIPT = fileURLToPath(
  new URL('../../../../scripts/mariadb/mariadb.sh', import.meta.url),
)

/** Directory of the shared test instance. */
export const SHARED_DIR = path.join(os.tmpdir(), `tessera-mariadb-${os.userInfo().uid}`)

async function script(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [MARIADB_SCRIPT, ...args], { timeout: 120_000 })
  const lines = stdout.trim().split('\n')
  return lines[lines.length - 1] ?? ''
}

let shared: Promise<string> | undefined

/** URL of the server tests use (no database part). */
export function serverUrl(): Promise<string> {
  const fromEnv = process.env.MYSQL_URL
  if (fromEnv) return Promise.resolve(fromEnv)
  shared ??= script('start', SHARED_DIR, '0')
  return shared
}

export interface TestDatabase {
  url: string
  /** Service name and machine id whose database name is {@link name}. */
  service: string
  machineId: number
  name: string
  /** Drop the database. */
  drop(): Promise<void>
}

/**
 * A uniquely named database (`<service>_<machineId>`, matching what the
 * storage derives) on the test server. It is not created; the storage does.
 */
export async function testDatabase(prefix = 't'): Promise<TestDatabase> {
  const url = await serverUrl()
  const service = `${prefix}${process.pid.toString(36)}${randomBytes(4).toString('hex')}`.toLowerCase()
  const machineId = 1
  const name = `${service}_${machineId}`
  return {
    url,
    service,
    machineId,
    name,
    drop: () => sql(url, `DROP DATABASE IF EXISTS \`${name}\``).then(() => {}),
  }
}

/** Run one statement on a fresh connection (for assertions), return its rows. */
export async function sql<T = Record<string, unknown>[]>(
  url: string,
  statement: string,
  params: unknown[] = [],
): Promise<T> {
  const u = new URL(url)
  const conn = await createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.length > 1 ? u.pathname.slice(1) : undefined,
    supportBigNumbers: true,
    bigNumberStrings: true,
  })
  try {
    const [rows] = await conn.query(statement, params)
    return rows as T
  } finally {
    conn.destroy()
  }
}

/** `url` with a database path, for {@link sql}. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * A MariaDB server of its own, for tests that stop and start the server.
 * Always local (ignores MYSQL_URL). Call destroy() in afterAll.
 */
export class PrivateMariadb {
  private constructor(
    readonly dir: string,
    public url: string,
  ) {}

  static async create(): Promise<PrivateMariadb> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-mariadb-private-'))
    const url = await script('start', dir, '0')
    return new PrivateMariadb(dir, url)
  }

  async stop(): Promise<void> {
    await script('stop', this.dir)
  }

  /** Start again on the same port and data. */
  async start(): Promise<void> {
    this.url = await script('start', this.dir, '0')
  }

  /**
   * SIGSTOP the server: a hung database. Its sockets stay open and the
   * kernel still accepts new connections, but nothing answers until resume().
   */
  pause(): void {
    process.kill(this.pid(), 'SIGSTOP')
  }

  /** SIGCONT after pause(). */
  resume(): void {
    process.kill(this.pid(), 'SIGCONT')
  }

  /** Process id of the running server. */
  pid(): number {
    return Number(readFileSync(path.join(this.dir, 'mysqld.pid'), 'utf8').trim())
  }

  async running(): Promise<boolean> {
    try {
      await script('status', this.dir)
      return true
    } catch {
      return false
    }
  }

  async destroy(): Promise<void> {
    // A paused server cannot act on the stop signal.
    try {
      this.resume()
    } catch {}
    await script('stop', this.dir).catch(() => {})
    rmSync(this.dir, { recursive: true, force: true })
  }
}
