import { createPool, type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise'
import { CenterBadLease, CenterMachineIdsExhausted } from '../errors.js'

export interface MachineIdStoreOptions {
  /** mysql://user:pass@host:port */
  url: string
  database: string
  /** How long a lease lasts without renewal. */
  leaseMs: number
  /** Ids handed out: 0..size-1 (snowflake ids have 10 bits: at most 1024). */
  size?: number
}

export interface Lease {
  machineId: number
  leaseUntilMs: number
  /** True when (node, kind) already held this id. */
  returning: boolean
}

export interface LeaseRow {
  machineId: number
  node: string
  kind: string
  leaseUntilMs: number
}

const MAX_IDS = 1024
const ATTEMPTS = 8

/**
 * 10-bit machine ids leased to (node, kind) pairs, in MySQL. The table holds
 * one row per id, so an id can only ever have one holder; a unique index on
 * (node, kind) keeps a pair from holding two. A lease is taken in one
 * READ COMMITTED transaction: the pair's own row if it has one, otherwise
 * the first never-used or expired row, locked with SKIP LOCKED so concurrent
 * requests take different rows instead of queueing. A duplicate-key or
 * deadlock error (two requests for the same pair) retries the transaction,
 * which then finds the pair's row.
 */
export class MachineIdStore {
  readonly size: number
  private constructor(
    /** The center's pool (the ownership store shares it). */
    readonly pool: Pool,
    private readonly opts: MachineIdStoreOptions,
  ) {
    this.size = opts.size ?? MAX_IDS
  }

  static async open(opts: MachineIdStoreOptions): Promise<MachineIdStore> {
    const size = opts.size ?? MAX_IDS
    if (!Number.isInteger(size) || size < 1 || size > MAX_IDS)
      throw new CenterBadLease(`size ${size} not in 1..1024`)
    const u = new URL(opts.url)
    const base = {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
    }
    const boot = createPool({ ...base, connectionLimit: 1 })
    try {
      await boot.query(
        `CREATE DATABASE IF NOT EXISTS \`${opts.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      )
    } finally {
      await boot.end()
    }
    const pool = createPool({ ...base, database: opts.database, connectionLimit: 8, supportBigNumbers: true })
    const store = new MachineIdStore(pool, opts)
    await store.prepare()
    return store
  }

  private async prepare(): Promise<void> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS machine_ids (
      machine_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
      node VARCHAR(128) NULL,
      kind VARCHAR(64) NULL,
      lease_until_ms BIGINT NOT NULL DEFAULT 0,
      granted_at_ms BIGINT NOT NULL DEFAULT 0,
      UNIQUE KEY uniq_holder (node, kind)
    ) ENGINE=InnoDB`)
    const values = Array.from({ length: MAX_IDS }, (_, i) => `(${i})`).join(',')
    await this.pool.query(`INSERT IGNORE INTO machine_ids (machine_id) VALUES ${values}`)
  }

  /** Lease (or renew) the id of (node, kind) at wall time `nowMs`. */
  async lease(node: string, kind: string, nowMs: number): Promise<Lease> {
    if (!node || node.length > 128) throw new CenterBadLease(`node name must be 1..128 characters`)
    if (!kind || kind.length > 64) throw new CenterBadLease(`service kind must be 1..64 characters`)
    const until = nowMs + this.opts.leaseMs
    const conn = await this.pool.getConnection()
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.leaseOnce(conn, node, kind, nowMs, until)
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => {})
          const code = (err as { code?: string }).code
          const retry =
            code === 'ER_DUP_ENTRY' || code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT'
          if (!retry || attempt >= ATTEMPTS) throw err
        }
      }
    } finally {
      conn.release()
    }
  }

  private async leaseOnce(
    c: PoolConnection,
    node: string,
    kind: string,
    now: number,
    until: number,
  ): Promise<Lease> {
    await c.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED')
    await c.query('START TRANSACTION')
    const [own] = await c.query<RowDataPacket[]>(
      'SELECT machine_id FROM machine_ids WHERE node = ? AND kind = ? FOR UPDATE',
      [node, kind],
    )
    if (own.length > 0) {
      const id = Number(own[0]!.machine_id)
      await c.query('UPDATE machine_ids SET lease_until_ms = ? WHERE machine_id = ?', [until, id])
      await c.query('COMMIT')
      return { machineId: id, leaseUntilMs: until, returning: true }
    }
    // Never-used ids first (a departed node's expired id stays its own for as
    // long as possible), then expired ones. Both scans walk the primary key
    // and stop at the first row they can lock: an ORDER BY that needs a sort
    // would lock every candidate and starve concurrent requests.
    let [free] = await c.query<RowDataPacket[]>(
      `SELECT machine_id FROM machine_ids FORCE INDEX (PRIMARY)
        WHERE machine_id < ? AND node IS NULL
        ORDER BY machine_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [this.size],
    )
    if (free.length === 0) {
      ;[free] = await c.query<RowDataPacket[]>(
        `SELECT machine_id FROM machine_ids FORCE INDEX (PRIMARY)
          WHERE machine_id < ? AND node IS NOT NULL AND lease_until_ms < ?
          ORDER BY machine_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [this.size, now],
      )
    }
    if (free.length === 0) {
      await c.query('ROLLBACK')
      throw new CenterMachineIdsExhausted(this.size, node, kind)
    }
    const id = Number(free[0]!.machine_id)
    await c.query(
      'UPDATE machine_ids SET node = ?, kind = ?, lease_until_ms = ?, granted_at_ms = ? WHERE machine_id = ?',
      [node, kind, until, now, id],
    )
    await c.query('COMMIT')
    return { machineId: id, leaseUntilMs: until, returning: false }
  }

  /** Extend the leases of live services (the registry calls this for registered ones). */
  async renew(
    holders: readonly { machineId: number; node: string; kind: string }[],
    nowMs: number,
  ): Promise<number> {
    let n = 0
    for (const h of holders) {
      const [r] = await this.pool.query<import('mysql2').ResultSetHeader>(
        'UPDATE machine_ids SET lease_until_ms = ? WHERE machine_id = ? AND node = ? AND kind = ?',
        [nowMs + this.opts.leaseMs, h.machineId, h.node, h.kind],
      )
      n += r.affectedRows
    }
    return n
  }

  /** Every held lease (expired ones included), for the admin view. */
  async list(): Promise<LeaseRow[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT machine_id, node, kind, lease_until_ms FROM machine_ids WHERE node IS NOT NULL ORDER BY machine_id',
    )
    return rows.map((r) => ({
      machineId: Number(r.machine_id),
      node: String(r.node),
      kind: String(r.kind),
      leaseUntilMs: Number(r.lease_until_ms),
    }))
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
