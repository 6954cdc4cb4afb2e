import { TesseraError } from '@tessera/kernel'
import { DbClient, QueryMetrics, StorageQueueFull, StorageUnavailable } from '@tessera/storage'
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { LoginUnavailable } from '../errors.js'
import { LOGIN_SCHEMA } from './schema.js'

export type Row = RowDataPacket
export type Params = readonly unknown[]

export interface LoginDbOptions {
  url: string
  database: string
  connectionLimit: number
  /**
   * A statement or transaction (retries included) with no answer within
   * this long fails with LOGIN_UNAVAILABLE: a hung database (TCP open, no
   * answer) refuses logins promptly instead of holding them for every
   * retry's timeouts. Default 5000 ms.
   */
  deadlineMs?: number
  logger: {
    info(o: object, m?: string): void
    warn(o: object, m?: string): void
    error(o: object, m?: string): void
  }
}

/** Statements inside one transaction. */
export interface Tx {
  rows<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>
  exec(sql: string, params?: Params): Promise<ResultSetHeader>
}

const DEADLOCK = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'])
const TX_ATTEMPTS = 5

/**
 * Login's database through the storage package's DbClient (pool, retries of
 * idempotent statements, statement metrics). Reads and idempotent writes
 * retry on network errors; counters, token redeems and admissions are not
 * idempotent and run once ({@link exec}) or in a transaction ({@link tx}).
 */
export class LoginDb {
  private constructor(
    readonly client: DbClient,
    /** Statement counts and latency by class. */
    readonly metrics: QueryMetrics,
    private readonly deadlineMs: number,
  ) {}

  static async open(o: LoginDbOptions): Promise<LoginDb> {
    const metrics = new QueryMetrics()
    const client = await DbClient.open(
      { url: o.url, database: o.database, createDatabase: true, connectionLimit: o.connectionLimit },
      metrics,
      o.logger,
    )
    const db = new LoginDb(client, metrics, o.deadlineMs ?? 5000)
    try {
      for (const s of LOGIN_SCHEMA) await client.query(s)
    } catch (err) {
      await client.close()
      throw err
    }
    return db
  }

  /** A read (or an idempotent write): retried on network errors. */
  async rows<T extends Row = Row>(sql: string, params: Params = []): Promise<T[]> {
    return unavailable(() => this.client.query<T[]>(sql, params, true, this.deadlineMs))
  }

  /** An idempotent write, retried on network errors. */
  async write(sql: string, params: Params = []): Promise<ResultSetHeader> {
    return unavailable(() => this.client.query<ResultSetHeader>(sql, params, true, this.deadlineMs))
  }

  /** A write that must not run twice (a counter, a single-use flag): no retry. */
  async exec(sql: string, params: Params = []): Promise<ResultSetHeader> {
    return unavailable(() => this.client.query<ResultSetHeader>(sql, params, false, this.deadlineMs))
  }

  /**
   * Run `fn` in a transaction; a deadlock or lock timeout runs it again.
   * The whole call has the deadline: past it the connection is destroyed
   * (the server rolls back what it had) and the call fails with
   * LOGIN_UNAVAILABLE.
   */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const held: { conn?: PoolConnection; expired: boolean } = { expired: false }
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        held.expired = true
        held.conn?.destroy()
        reject(
          LoginUnavailable.with({
            details: { deadlineMs: this.deadlineMs, reason: 'no answer from the database (is it hung?)' },
          }),
        )
      }, this.deadlineMs)
    })
    const run = this.txAttempts(fn, held)
    run.catch(() => {})
    return Promise.race([run, expired]).finally(() => clearTimeout(timer))
  }

  private async txAttempts<T>(
    fn: (tx: Tx) => Promise<T>,
    held: { conn?: PoolConnection; expired: boolean },
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let conn: PoolConnection
      try {
        conn = await this.client.getConnection()
      } catch (err) {
        throw LoginUnavailable.with({ cause: err })
      }
      if (held.expired) {
        // The caller has given up: this connection arrived too late.
        conn.destroy()
        throw new LoginUnavailable()
      }
      held.conn = conn
      const c = conn
      let broken = false
      const t: Tx = {
        rows: async <R extends Row = Row>(sql: string, params: Params = []) =>
          (await c.query<R[]>(sql, params as unknown[]))[0],
        exec: async (sql, params = []) => (await c.query<ResultSetHeader>(sql, params as unknown[]))[0],
      }
      try {
        await c.query('START TRANSACTION')
        const out = await fn(t)
        await c.query('COMMIT')
        return out
      } catch (err) {
        if (err instanceof TesseraError) {
          // Our own refusal thrown by `fn`: undo and pass it on.
          await c.query('ROLLBACK').catch(() => {})
          throw err
        }
        const e = err as { code?: string; fatal?: boolean }
        if (e.code !== undefined && DEADLOCK.has(e.code) && attempt < TX_ATTEMPTS) {
          await c.query('ROLLBACK').catch(() => {})
          continue
        }
        if (e.fatal === true) {
          // The connection is gone (network, server restart): the outcome of
          // the transaction is unknown to us; the caller retries the request.
          broken = true
          throw LoginUnavailable.with({ cause: err })
        }
        await c.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        held.conn = undefined
        if (broken || held.expired) c.destroy()
        else c.release()
      }
    }
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

/** The database's trouble (down, pool queue full) reaches callers as LOGIN_UNAVAILABLE. */
async function unavailable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (StorageUnavailable.is(err) || StorageQueueFull.is(err)) throw LoginUnavailable.with({ cause: err })
    throw err
  }
}
