import type { TimerHandle, TimerWheel } from '@tessera/kernel'
import {
  classify,
  DbClient,
  QueryMetrics,
  type StorageLogger,
  StorageQueueFull,
  StorageUnavailable,
} from '@tessera/storage'
import type { PoolConnection } from 'mysql2/promise'
import { CenterNoDatabase } from '../errors.js'

export interface CenterDatabaseOptions {
  /** mysql://user:pass@host:port */
  url: string
  database: string
  /** Per operation: a statement, or a whole transaction with its wait for a connection. */
  timeoutMs: number
  /** The deadlines run on this wheel (the service's `ctx.timers`). */
  timers: Pick<TimerWheel, 'after' | 'cancel'>
  logger: StorageLogger
  /** Default 8. */
  connectionLimit?: number
}

/** One statement inside {@link CenterDatabase.transaction}. */
export interface Tx {
  query<T>(sql: string, params?: readonly unknown[]): Promise<T>
}

/** What a transaction body may ask: retry the whole transaction after this error? */
export type RetryTest = (err: unknown) => boolean

const MAX_TX_ATTEMPTS = 8

/**
 * The center's database: @tessera/storage's DbClient (statement timeout,
 * retries on a fresh connection, statement metrics) for single idempotent
 * statements, plus the two things the center needs that DbClient lacks:
 *
 * - a deadline on the whole operation. A statement's timeout starts when it
 *   is sent, not while it waits for a pooled connection; and a statement
 *   that timed out keeps its connection busy until the server answers
 *   (mysql2 releases it on the command's end). Against a hung server the
 *   pool fills and later statements would wait with no bound. The deadline
 *   runs on the service's timer wheel and fails the caller with
 *   CENTER_NO_DATABASE; the work left behind cleans up after itself.
 * - transactions. DbClient.query may retry a statement on another
 *   connection, which is wrong inside a transaction, and it has no
 *   connection-scoped API with timeouts. So transactions take a connection
 *   from DbClient.getConnection() and run here, every statement with the
 *   same timeout; a connection whose statement timed out or failed on the
 *   network is destroyed, never returned to the pool.
 */
export class CenterDatabase {
  readonly queries: QueryMetrics
  private closing: Promise<void> | undefined

  private constructor(
    readonly client: DbClient,
    queries: QueryMetrics,
    private readonly o: CenterDatabaseOptions,
  ) {
    this.queries = queries
  }

  /** Create the database if needed and open the pool (fails when the server does not answer). */
  static async open(o: CenterDatabaseOptions): Promise<CenterDatabase> {
    const queries = new QueryMetrics()
    const client = await DbClient.open(
      {
        url: o.url,
        database: o.database,
        createDatabase: true,
        connectionLimit: o.connectionLimit ?? 8,
        queryTimeoutMs: o.timeoutMs,
        connectTimeoutMs: o.timeoutMs,
        // One retry covers a connection the server dropped while idle; a
        // server that does not answer is the deadline's business.
        retry: { attempts: 1, baseDelayMs: 50, maxDelayMs: 200 },
      },
      queries,
      o.logger,
    )
    return new CenterDatabase(client, queries, o)
  }

  get timeoutMs(): number {
    return this.o.timeoutMs
  }

  /** One idempotent statement (DbClient: timeout, one retry, metrics), within the deadline. */
  query<T>(what: string, sql: string, params: readonly unknown[] = []): Promise<T> {
    return this.deadline(what, () => this.client.query<T>(sql, params))
  }

  /**
   * Run `body` in one transaction on one connection, within the deadline.
   * An error for which `retry` says yes (a deadlock, say) rolls back and
   * runs the body again, up to 8 times.
   */
  transaction<T>(
    what: string,
    body: (tx: Tx) => Promise<T>,
    opts: { isolation?: 'READ COMMITTED' | 'REPEATABLE READ'; retry?: RetryTest } = {},
  ): Promise<T> {
    return this.deadline(what, async (state) => {
      for (let attempt = 1; ; attempt++) {
        const conn = await this.client.getConnection()
        if (state.expired) {
          conn.release()
          throw new CenterNoDatabase(`${what}: gave up while waiting for a connection`)
        }
        const tx: Tx = {
          query: (sql, params = []) => {
            // Past the deadline nothing more is sent: the caller was told it failed.
            if (state.expired) return Promise.reject(new CenterNoDatabase(`${what}: past its deadline`))
            return this.run(conn, sql, params)
          },
        }
        try {
          if (opts.isolation) await tx.query(`SET TRANSACTION ISOLATION LEVEL ${opts.isolation}`)
          await tx.query('START TRANSACTION')
          const out = await body(tx)
          await tx.query('COMMIT')
          conn.release()
          return out
        } catch (err) {
          if (isConnectionFault(err) || CenterNoDatabase.is(err)) {
            // Timed out or broken: its state is unknown; closing it makes the
            // server roll back whatever is open, whenever it gets to it.
            conn.destroy()
            throw err
          }
          try {
            await this.run(conn, 'ROLLBACK', [])
            conn.release()
          } catch {
            conn.destroy()
          }
          if (!opts.retry?.(err) || attempt >= MAX_TX_ATTEMPTS || state.expired) throw err
        }
      }
    })
  }

  /** Close the pool. Every caller gets the same promise. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.client.close()
    return this.closing
  }

  private async run<T>(conn: PoolConnection, sql: string, params: readonly unknown[]): Promise<T> {
    const t0 = performance.now()
    try {
      const [rows] = await conn.query({ sql, values: params as unknown[], timeout: this.o.timeoutMs })
      this.queries.record(classify(sql), performance.now() - t0, true)
      return rows as T
    } catch (err) {
      this.queries.record(classify(sql), performance.now() - t0, false)
      throw err
    }
  }

  /**
   * `op` within timeoutMs on the timer wheel. Past it the caller gets
   * CENTER_NO_DATABASE at once; `op` sees `expired` and stops sending.
   * Database failures on the way out become CENTER_NO_DATABASE too.
   */
  private deadline<T>(what: string, op: (state: { expired: boolean }) => Promise<T>): Promise<T> {
    const state = { expired: false }
    return new Promise<T>((resolve, reject) => {
      const timer: TimerHandle = this.o.timers.after(this.o.timeoutMs, () => {
        state.expired = true
        reject(new CenterNoDatabase(`${what}: no answer within ${this.o.timeoutMs} ms`))
      })
      op(state).then(
        (v) => {
          this.o.timers.cancel(timer)
          resolve(v)
        },
        (err: unknown) => {
          this.o.timers.cancel(timer)
          reject(asDatabaseError(what, err))
        },
      )
    })
  }
}

/** Network trouble and timeouts (the server did not get or did not answer the statement). */
function isConnectionFault(err: unknown): boolean {
  const e = err as { fatal?: boolean; code?: string } | null
  return (
    e?.fatal === true ||
    e?.code === 'PROTOCOL_SEQUENCE_TIMEOUT' ||
    StorageUnavailable.is(err) ||
    StorageQueueFull.is(err)
  )
}

function asDatabaseError(what: string, err: unknown): unknown {
  if (CenterNoDatabase.is(err) || !isConnectionFault(err)) return err
  return CenterNoDatabase.with({ cause: err }, `${what}: ${(err as Error).message}`)
}
