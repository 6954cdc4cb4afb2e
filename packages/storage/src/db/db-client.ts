import type { Pool, PoolConnection, PoolOptions, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { createConnection, createPool } from 'mysql2/promise'
import { StorageQueueFull, StorageSchemaMismatch, StorageUnavailable } from '../errors.js'
import type { StorageLogger } from '../logger.js'
import { ownScheduler, type Scheduler, sleep, type TimerHandle } from '../scheduler.js'
import { errorInfo, isQueueFull, isRetryable } from './db-errors.js'
import { classify, type QueryMetrics } from './query-metrics.js'

export interface RetryOptions {
  /** Attempts after the first one failed on a network error. Default 3. */
  attempts?: number
  /** First backoff delay, doubled each attempt. Default 100 ms. */
  baseDelayMs?: number
  /** Backoff ceiling. Default 2000 ms. */
  maxDelayMs?: number
}

export interface DbOptions {
  /** mysql://user:pass@host:port (the database part is ignored; see `database`). */
  url: string
  /** Database the pool works in; created first when `createDatabase` is set. */
  database: string
  createDatabase?: boolean
  /** Default 8. */
  connectionLimit?: number
  /** Callers waiting for a connection beyond this get STORAGE_QUEUE_FULL. Default 1000. */
  queueLimit?: number
  /** Per statement. Default 15000 ms. */
  queryTimeoutMs?: number
  /** Default 5000 ms. */
  connectTimeoutMs?: number
  /** Idle connections are closed after this; clamped below half the server's wait_timeout. Default 60000 ms. */
  idleTimeoutMs?: number
  /** Keep-alive ping interval (0 = off). Default 30000 ms. */
  pingIntervalMs?: number
  retry?: RetryOptions
  /** Statements run on every new connection (e.g. `SET time_zone = '+00:00'`). */
  sessionInit?: readonly string[]
}

export type Params = readonly unknown[]

/**
 * The storage layer's only door to MySQL: a mysql2 pool plus what mysql2
 * leaves out. Every statement we send is idempotent (fenced upserts, reads,
 * IF NOT EXISTS DDL), so a statement that failed on the network is retried
 * on a fresh connection with backoff; a connection the server dropped or a
 * restarted server therefore never shows up as an error to callers, unless
 * the server stays away longer than the retries (STORAGE_UNAVAILABLE).
 */
export class DbClient {
  readonly database: string
  readonly idleTimeoutMs: number
  private readonly attempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly queryTimeoutMs: number
  private readonly queueLimit: number
  private pingTimer: TimerHandle | undefined
  private closed = false
  private closing: Promise<void> | undefined

  private constructor(
    private readonly pool: Pool,
    opts: DbOptions,
    idleTimeoutMs: number,
    private readonly metrics: QueryMetrics,
    private readonly logger: StorageLogger,
    private readonly timers: Scheduler,
    private readonly stopTimers: () => void,
  ) {
    this.database = opts.database
    this.idleTimeoutMs = idleTimeoutMs
    this.attempts = opts.retry?.attempts ?? 3
    this.baseDelayMs = opts.retry?.baseDelayMs ?? 100
    this.maxDelayMs = opts.retry?.maxDelayMs ?? 2000
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 15000
    this.queueLimit = opts.queueLimit ?? 1000
    const ping = opts.pingIntervalMs ?? 30000
    if (ping > 0) this.pingTimer = this.timers.every(ping, () => this.keepAlive())
  }

  /**
   * Connect (with the retry policy), read the server's wait_timeout so idle
   * connections are reaped before the server kills them, create the database
   * if asked, then open the pool. Timers (keep-alive, backoff, deadlines)
   * run on `timers` (the storage's scheduler); without it, on a wheel of the
   * client's own, stopped at close().
   */
  static async open(
    opts: DbOptions,
    metrics: QueryMetrics,
    logger: StorageLogger,
    timers?: Scheduler,
  ): Promise<DbClient> {
    const own = timers ? undefined : ownScheduler()
    try {
      return await DbClient.connect(
        opts,
        metrics,
        logger,
        timers ?? (own as ReturnType<typeof ownScheduler>).timers,
        own?.stop ?? (() => {}),
      )
    } catch (err) {
      own?.stop()
      throw err
    }
  }

  private static async connect(
    opts: DbOptions,
    metrics: QueryMetrics,
    logger: StorageLogger,
    timers: Scheduler,
    stopTimers: () => void,
  ): Promise<DbClient> {
    const base = connectionOptions(opts)
    const attempts = opts.retry?.attempts ?? 3
    let waitTimeoutS = 28800
    for (let attempt = 0; ; attempt++) {
      try {
        const conn = await createConnection({ ...base, database: undefined })
        try {
          for (const s of opts.sessionInit ?? []) await conn.query(s)
          const [rows] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.wait_timeout AS wt')
          waitTimeoutS = Number(rows[0]?.wt ?? waitTimeoutS)
          if (opts.createDatabase) {
            await conn.query(
              `CREATE DATABASE IF NOT EXISTS \`${opts.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
            )
          } else {
            const [found] = await conn.query<RowDataPacket[]>(
              'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
              [opts.database],
            )
            if (found.length === 0)
              throw new StorageSchemaMismatch(opts.database, 'the database does not exist')
          }
        } finally {
          conn.destroy()
        }
        break
      } catch (err) {
        if (!isRetryable(err) || attempt >= attempts) {
          if (isRetryable(err))
            throw StorageUnavailable.with({ cause: err }, `connect: ${(err as Error).message}`)
          throw err
        }
        await sleep(timers, backoff(attempt, opts.retry?.baseDelayMs ?? 100, opts.retry?.maxDelayMs ?? 2000))
      }
    }
    const idleTimeoutMs = Math.max(500, Math.min(opts.idleTimeoutMs ?? 60000, (waitTimeoutS * 1000) / 2))
    const pool = createPool({
      ...base,
      connectionLimit: opts.connectionLimit ?? 8,
      maxIdle: opts.connectionLimit ?? 8,
      idleTimeout: idleTimeoutMs,
      queueLimit: opts.queueLimit ?? 1000,
      waitForConnections: true,
    })
    const init = opts.sessionInit ?? []
    if (init.length > 0) {
      // Commands queue in order on a connection, so these run before the
      // statement that caused the connection to be opened.
      pool.pool.on('connection', (c) => {
        for (const s of init) c.query(s, () => {})
      })
    }
    return new DbClient(pool, opts, idleTimeoutMs, metrics, logger, timers, stopTimers)
  }

  /**
   * Run one statement, retrying network failures on a fresh connection.
   * Only idempotent statements belong here. With `deadlineMs`, the whole
   * call (connecting, retries, backoff) gives up after that long with
   * STORAGE_UNAVAILABLE: a hung server (TCP open, no answer) then counts as
   * an outage instead of holding the caller for every retry's timeouts. The
   * abandoned attempt may still land later; every statement sent is
   * idempotent, so that is harmless.
   */
  async query<T = RowDataPacket[] | ResultSetHeader>(
    sql: string,
    params: Params = [],
    retry = true,
    deadlineMs?: number,
  ): Promise<T> {
    return this.withDeadline(deadlineMs, (state) => this.run<T>(sql, params, retry, state))
  }

  /**
   * Run `body` as one transaction on one connection: COMMIT when it
   * resolves, ROLLBACK when it throws (the error is rethrown). A network
   * error anywhere, COMMIT included, retries the whole transaction on a
   * fresh connection with backoff, as query() does for one statement, so
   * the body must send only idempotent statements (fenced upserts, reads).
   * Past `deadlineMs` (retries included) STORAGE_UNAVAILABLE; a body still
   * running then rolls back instead of committing.
   */
  transaction<T>(body: (q: TxQuery) => Promise<T>, deadlineMs?: number): Promise<T> {
    return this.withDeadline(deadlineMs, (state) => this.runTx(body, state))
  }

  private async withDeadline<T>(
    deadlineMs: number | undefined,
    run: (state: { expired: boolean } | undefined) => Promise<T>,
  ): Promise<T> {
    if (deadlineMs === undefined) return run(undefined)
    let timer: TimerHandle | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = this.timers.after(deadlineMs, () =>
        reject(new StorageUnavailable(`no answer within ${deadlineMs} ms (is the database hung?)`)),
      )
    })
    const state = { expired: false }
    const work = run(state)
    // The losing side of the race must not become an unhandled rejection.
    work.catch(() => {})
    expired.catch(() => {
      state.expired = true
    })
    try {
      return await Promise.race([work, expired])
    } finally {
      if (timer !== undefined) this.timers.cancel(timer)
    }
  }

  private async runTx<T>(
    body: (q: TxQuery) => Promise<T>,
    deadline: { expired: boolean } | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new StorageUnavailable('client closed')
      if (deadline?.expired) throw new StorageUnavailable('deadline passed')
      let conn: PoolConnection | undefined
      try {
        conn = await this.pool.getConnection()
        const c = conn
        await c.query({ sql: 'BEGIN', timeout: this.queryTimeoutMs })
        const q: TxQuery = async <R>(sql: string, params: Params = []) => {
          const t0 = performance.now()
          try {
            const [result] = await c.query({ sql, values: params as unknown[], timeout: this.queryTimeoutMs })
            this.metrics.record(classify(sql), performance.now() - t0, true)
            return result as R
          } catch (err) {
            this.metrics.record(classify(sql), performance.now() - t0, false)
            throw err
          }
        }
        const out = await body(q)
        if (deadline?.expired) throw new StorageUnavailable('deadline passed before COMMIT')
        await c.query({ sql: 'COMMIT', timeout: this.queryTimeoutMs })
        c.release()
        return out
      } catch (err) {
        if (conn) await rollback(conn, err)
        if (isQueueFull(err)) throw StorageQueueFull.with({ cause: err }, this.queueLimit)
        if (!isRetryable(err)) throw err
        if (attempt >= this.attempts || deadline?.expired) {
          throw StorageUnavailable.with({ cause: err, details: errorInfo(err) }, (err as Error).message)
        }
        await sleep(this.timers, backoff(attempt, this.baseDelayMs, this.maxDelayMs))
      }
    }
  }

  private async run<T>(
    sql: string,
    params: Params,
    retry: boolean,
    deadline: { expired: boolean } | undefined,
  ): Promise<T> {
    const cls = classify(sql)
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new StorageUnavailable('client closed')
      if (deadline?.expired) throw new StorageUnavailable('deadline passed')
      const t0 = performance.now()
      try {
        const [result] = await this.pool.query({
          sql,
          values: params as unknown[],
          timeout: this.queryTimeoutMs,
        })
        this.metrics.record(cls, performance.now() - t0, true)
        return result as T
      } catch (err) {
        this.metrics.record(cls, performance.now() - t0, false)
        if (isQueueFull(err)) throw StorageQueueFull.with({ cause: err }, this.queueLimit)
        if (!isRetryable(err)) throw err
        if (!retry || attempt >= this.attempts || deadline?.expired) {
          throw StorageUnavailable.with({ cause: err, details: errorInfo(err) }, (err as Error).message)
        }
        await sleep(this.timers, backoff(attempt, this.baseDelayMs, this.maxDelayMs))
      }
    }
  }

  /** One round trip, no retry: true when the server answers within `deadlineMs` (default 5 s). */
  async ping(deadlineMs = Math.min(this.queryTimeoutMs, 5000)): Promise<boolean> {
    try {
      await this.query('SELECT 1', [], false, deadlineMs)
      return true
    } catch {
      return false
    }
  }

  /** A dedicated connection (for the backup tool and tests). Release it. */
  getConnection(): Promise<PoolConnection> {
    return this.pool.getConnection()
  }

  /** Free connections currently held by the pool (for tests of idle reaping). */
  freeConnections(): number {
    const p = this.pool.pool as unknown as { _freeConnections?: { length: number } }
    return p._freeConnections?.length ?? 0
  }

  /** Close the pool; every caller gets the same promise. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true
      if (this.pingTimer !== undefined) this.timers.cancel(this.pingTimer)
      this.pingTimer = undefined
      await this.pool.end().catch(() => {})
      this.stopTimers()
    })()
    return this.closing
  }

  private keepAlive(): void {
    void this.ping().then((ok) => {
      if (!ok && !this.closed)
        this.logger.warn({ database: this.database }, 'storage: keep-alive ping failed')
    })
  }
}

/** One statement inside {@link DbClient.transaction}. */
export type TxQuery = <R = RowDataPacket[] | ResultSetHeader>(sql: string, params?: Params) => Promise<R>

/** Roll back and hand the connection back; a connection that failed on the network is destroyed instead. */
async function rollback(conn: PoolConnection, cause: unknown): Promise<void> {
  if (isRetryable(cause) && !(cause as { code?: string }).code?.startsWith('ER_LOCK')) {
    conn.destroy()
    return
  }
  try {
    await conn.query('ROLLBACK')
    conn.release()
  } catch {
    conn.destroy()
  }
}

export function backoff(attempt: number, base: number, max: number): number {
  const d = Math.min(max, base * 2 ** attempt)
  return d / 2 + Math.random() * (d / 2)
}

function connectionOptions(opts: DbOptions): PoolOptions {
  const u = new URL(opts.url)
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:')
    throw new TypeError(`MYSQL url must start with mysql://: ${opts.url}`)
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: opts.database,
    charset: 'utf8mb4_unicode_ci',
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10000,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    // affectedRows must count only rows an upsert really changed (1 insert,
    // 2 update, 0 when the fence kept the old values): that is how a stale
    // write is noticed without a second query.
    flags: ['-FOUND_ROWS'],
    multipleStatements: false,
  }
}
