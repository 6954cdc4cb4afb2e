import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { CenterDatabase } from '../db/index.js'
import { CenterBadLease, CenterMachineIdHeld, CenterMachineIdsExhausted } from '../errors.js'

/** What a process asks for: the id of its (node, kind, slot), held by its own token. */
export interface LeaseRequest {
  node: string
  kind: string
  /** The process's slot on its node (several processes of one kind on one node differ here). */
  slot: number
  /** This process instance's token; empty = only reserve and look up the id (the machine-id tool). */
  holder: string
}

export interface Lease {
  machineId: number
  leaseUntilMs: number
  /** 0 for a reservation without a holder. */
  holderUntilMs: number
  /** True when (node, kind, slot) already had this id. */
  returning: boolean
  /** The id was held by another process instance whose claim had lapsed (a restart). */
  takenOver: boolean
}

export interface LeaseRow {
  machineId: number
  node: string
  kind: string
  slot: number
  holder: string | null
  leaseUntilMs: number
  holderUntilMs: number
}

/**
 * What the registry knows about a machine id on the requester's node:
 * 'live' (a registered service runs with it, link open), 'dead' (registered,
 * link closed: killed) or undefined (no registered service uses it).
 */
export type MachineIdUse = (machineId: number) => 'live' | 'dead' | undefined

export interface MachineIdStoreOptions {
  /** How long an id stays reserved for its (node, kind, slot) without renewal. */
  leaseMs: number
  /** How long a holder's claim lasts without renewal. */
  holderTtlMs: number
  /** Ids handed out: 0..size-1 (snowflake ids have 10 bits: at most 1024). */
  size?: number
}

const MAX_IDS = 1024
const RETRY_CODES = new Set(['ER_DUP_ENTRY', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT'])

/**
 * Whether a holder may have the id of its key now: 'same' (it already holds
 * it), 'free' (nobody holds it, the claim lapsed, or its process is dead) or
 * 'held' (another live process instance holds it). The registry's word
 * comes first: a registered service with an open link is alive whatever the
 * database says, one whose link closed is dead (kill -9 resets its links at
 * once). Only when no registered service uses the id (the holder has not
 * registered yet, or the center restarted) does the claim's expiry decide.
 */
export function holderDecision(
  row: { holder: string | null; holderUntilMs: number },
  holder: string,
  nowMs: number,
  use: 'live' | 'dead' | undefined,
): 'same' | 'free' | 'held' {
  if (row.holder !== null && row.holder === holder) return 'same'
  if (use === 'live') return 'held'
  if (use === 'dead') return 'free'
  return row.holder !== null && row.holderUntilMs > nowMs ? 'held' : 'free'
}

/**
 * 10-bit machine ids leased to (node, kind, slot) keys, in MySQL, each held
 * by one process instance at a time. The table has one row per id, so an id
 * has one key at most; a unique index on (node, kind, slot) keeps a key from
 * holding two. A lease is one READ COMMITTED transaction: it locks the key's
 * own row if it has one, otherwise the first never-used or expired row, with
 * SKIP LOCKED so concurrent requests take different rows instead of
 * queueing. A duplicate-key or deadlock error (two requests for one key)
 * retries the transaction, which then finds the key's row.
 */
export class MachineIdStore {
  readonly size: number

  constructor(
    private readonly db: CenterDatabase,
    private readonly opts: MachineIdStoreOptions,
  ) {
    this.size = opts.size ?? MAX_IDS
    if (!Number.isInteger(this.size) || this.size < 1 || this.size > MAX_IDS)
      throw new CenterBadLease(`size ${this.size} not in 1..1024`)
  }

  /** Create the table (and its 1024 rows) or bring an older one up to date. */
  async prepare(): Promise<void> {
    await this.db.query(
      'machine-id schema',
      `CREATE TABLE IF NOT EXISTS machine_ids (
        machine_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
        node VARCHAR(128) NULL,
        kind VARCHAR(64) NULL,
        slot INT UNSIGNED NOT NULL DEFAULT 0,
        holder VARCHAR(64) NULL,
        lease_until_ms BIGINT NOT NULL DEFAULT 0,
        holder_until_ms BIGINT NOT NULL DEFAULT 0,
        granted_at_ms BIGINT NOT NULL DEFAULT 0,
        UNIQUE KEY uniq_key (node, kind, slot)
      ) ENGINE=InnoDB`,
    )
    const cols = await this.db.query<RowDataPacket[]>(
      'machine-id schema',
      `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'machine_ids'`,
    )
    if (!cols.some((c) => c.name === 'slot')) {
      // A table from before slots (one id per node and kind): its leases
      // become slot 0, with no holder.
      await this.db.query(
        'machine-id schema',
        `ALTER TABLE machine_ids
          ADD COLUMN slot INT UNSIGNED NOT NULL DEFAULT 0 AFTER kind,
          ADD COLUMN holder VARCHAR(64) NULL AFTER slot,
          ADD COLUMN holder_until_ms BIGINT NOT NULL DEFAULT 0 AFTER lease_until_ms,
          DROP INDEX uniq_holder,
          ADD UNIQUE KEY uniq_key (node, kind, slot)`,
      )
    }
    const values = Array.from({ length: MAX_IDS }, (_, i) => `(${i})`).join(',')
    await this.db.query('machine-id schema', `INSERT IGNORE INTO machine_ids (machine_id) VALUES ${values}`)
  }

  /**
   * Lease the id of `req`'s key at wall time `nowMs`, or renew it. `use`
   * says what the registry knows of an id on the requester's node; ids in
   * `inUse` (run by registered services) are never reassigned even when
   * their lease expired.
   */
  async lease(
    req: LeaseRequest,
    nowMs: number,
    use: MachineIdUse,
    inUse: readonly number[] = [],
  ): Promise<Lease> {
    checkRequest(req)
    const until = nowMs + this.opts.leaseMs
    const holderUntil = req.holder ? nowMs + this.opts.holderTtlMs : 0
    return this.db.transaction(
      'machine-id lease',
      async (tx) => {
        const own = await tx.query<RowDataPacket[]>(
          'SELECT machine_id, holder, holder_until_ms FROM machine_ids WHERE node = ? AND kind = ? AND slot = ? FOR UPDATE',
          [req.node, req.kind, req.slot],
        )
        if (own.length > 0) {
          const id = Number(own[0]!.machine_id)
          const row = {
            holder: own[0]!.holder as string | null,
            holderUntilMs: Number(own[0]!.holder_until_ms),
          }
          if (!req.holder) {
            await tx.query('UPDATE machine_ids SET lease_until_ms = ? WHERE machine_id = ?', [until, id])
            return { machineId: id, leaseUntilMs: until, holderUntilMs: 0, returning: true, takenOver: false }
          }
          const use_ = use(id)
          const decision = holderDecision(row, req.holder, nowMs, use_)
          if (decision === 'held') {
            const why =
              use_ === 'live'
                ? 'a registered service on this node runs with it'
                : `its claim lasts ${Math.ceil((row.holderUntilMs - nowMs) / 1000)} s more unless renewed`
            throw new CenterMachineIdHeld(id, keyText(req), why)
          }
          await tx.query(
            'UPDATE machine_ids SET holder = ?, holder_until_ms = ?, lease_until_ms = ? WHERE machine_id = ?',
            [req.holder, holderUntil, until, id],
          )
          return {
            machineId: id,
            leaseUntilMs: until,
            holderUntilMs: holderUntil,
            returning: true,
            takenOver: decision === 'free' && row.holder !== null,
          }
        }
        // Never-used ids first (a departed key's expired id stays its own for
        // as long as possible), then expired ones. Both scans walk the
        // primary key and stop at the first row they can lock: an ORDER BY
        // that needs a sort would lock every candidate and starve concurrent
        // requests.
        let free = await tx.query<RowDataPacket[]>(
          `SELECT machine_id FROM machine_ids FORCE INDEX (PRIMARY)
            WHERE machine_id < ? AND node IS NULL
            ORDER BY machine_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [this.size],
        )
        if (free.length === 0) {
          free = await tx.query<RowDataPacket[]>(
            `SELECT machine_id FROM machine_ids FORCE INDEX (PRIMARY)
              WHERE machine_id < ? AND node IS NOT NULL AND lease_until_ms < ? AND holder_until_ms < ?
                AND machine_id NOT IN (?)
              ORDER BY machine_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [this.size, nowMs, nowMs, [...inUse, -1]],
          )
        }
        if (free.length === 0) throw new CenterMachineIdsExhausted(this.size, keyText(req))
        const id = Number(free[0]!.machine_id)
        await tx.query(
          `UPDATE machine_ids SET node = ?, kind = ?, slot = ?, holder = ?, lease_until_ms = ?,
             holder_until_ms = ?, granted_at_ms = ? WHERE machine_id = ?`,
          [req.node, req.kind, req.slot, req.holder || null, until, holderUntil, nowMs, id],
        )
        return {
          machineId: id,
          leaseUntilMs: until,
          holderUntilMs: holderUntil,
          returning: false,
          takenOver: false,
        }
      },
      {
        isolation: 'READ COMMITTED',
        retry: (err) => RETRY_CODES.has((err as { code?: string }).code ?? ''),
      },
    )
  }

  /**
   * Extend the leases (and holder claims) of the ids registered services run
   * with. Returns the number of rows extended.
   */
  async renew(holders: readonly { machineId: number; node: string }[], nowMs: number): Promise<number> {
    const byNode = new Map<string, number[]>()
    for (const h of holders) {
      const ids = byNode.get(h.node) ?? []
      ids.push(h.machineId)
      byNode.set(h.node, ids)
    }
    let n = 0
    for (const [node, ids] of byNode) {
      const r = await this.db.query<ResultSetHeader>(
        'machine-id renewal',
        `UPDATE machine_ids SET lease_until_ms = ?, holder_until_ms = IF(holder IS NULL, 0, ?)
          WHERE node = ? AND machine_id IN (?)`,
        [nowMs + this.opts.leaseMs, nowMs + this.opts.holderTtlMs, node, ids],
      )
      n += r.affectedRows
    }
    return n
  }

  /**
   * End `holder`'s claim on an id (its process left or died); the id stays
   * reserved for its key. Only that holder's claim: a process that took the
   * id over since keeps it.
   */
  async release(machineId: number, node: string, holder: string): Promise<boolean> {
    const r = await this.db.query<ResultSetHeader>(
      'machine-id release',
      'UPDATE machine_ids SET holder_until_ms = 0 WHERE machine_id = ? AND node = ? AND holder = ? AND holder_until_ms > 0',
      [machineId, node, holder],
    )
    return r.affectedRows > 0
  }

  /** Every id with a key (expired ones included). */
  async list(): Promise<LeaseRow[]> {
    const rows = await this.db.query<RowDataPacket[]>(
      'machine-id list',
      `SELECT machine_id, node, kind, slot, holder, lease_until_ms, holder_until_ms
         FROM machine_ids WHERE node IS NOT NULL ORDER BY machine_id`,
    )
    return rows.map((r) => ({
      machineId: Number(r.machine_id),
      node: String(r.node),
      kind: String(r.kind),
      slot: Number(r.slot),
      holder: r.holder === null ? null : String(r.holder),
      leaseUntilMs: Number(r.lease_until_ms),
      holderUntilMs: Number(r.holder_until_ms),
    }))
  }
}

export function keyText(k: { node: string; kind: string; slot: number }): string {
  return `${k.node}/${k.kind}/${k.slot}`
}

function checkRequest(req: LeaseRequest): void {
  if (!req.node || req.node.length > 128) throw new CenterBadLease('node name must be 1..128 characters')
  if (!req.kind || req.kind.length > 64) throw new CenterBadLease('service kind must be 1..64 characters')
  if (!Number.isInteger(req.slot) || req.slot < 0 || req.slot > 0xffff_ffff)
    throw new CenterBadLease('slot must be an integer 0..4294967295')
  if (req.holder.length > 64) throw new CenterBadLease('holder token must be at most 64 characters')
}
