import { IpFilter } from '@tessera/kernel'
import type { RowDataPacket } from 'mysql2/promise'
import type { CenterDatabase } from '../db/index.js'
import { CenterBadAdminRequest } from '../errors.js'

/** Entries per list: every gateway holds the lists and gets them whole on each change. */
export const MAX_IP_RULES = 10_000

/** The gateways' client IP lists, as the center keeps them. */
export interface IpRuleSet {
  /** Grows with every change (never reused, across center restarts too). */
  version: bigint
  allow: string[]
  deny: string[]
}

/** What an operator asks: entries to add to and remove from each list. */
export interface IpRuleChange {
  allow?: { add?: readonly string[]; remove?: readonly string[] }
  deny?: { add?: readonly string[]; remove?: readonly string[] }
}

/**
 * The lists in one row of the center's database, so a center restart does
 * not reopen the gateways to a denied address. Changes are read-modify-write
 * under the row lock (SELECT … FOR UPDATE) and each takes the next version.
 */
export class IpRulesStore {
  constructor(private readonly db: CenterDatabase) {}

  async load(): Promise<IpRuleSet> {
    await this.db.query(
      'ip rules schema',
      `CREATE TABLE IF NOT EXISTS gateway_ip_rules (
        id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
        version BIGINT UNSIGNED NOT NULL,
        allow_list MEDIUMTEXT NOT NULL,
        deny_list MEDIUMTEXT NOT NULL,
        updated_at_ms BIGINT NOT NULL
      ) ENGINE=InnoDB`,
    )
    await this.db.query(
      'ip rules seed',
      `INSERT IGNORE INTO gateway_ip_rules (id, version, allow_list, deny_list, updated_at_ms)
       VALUES (1, 0, '[]', '[]', 0)`,
    )
    const rows = await this.db.query<RowDataPacket[]>(
      'ip rules load',
      'SELECT version, allow_list, deny_list FROM gateway_ip_rules WHERE id = 1',
    )
    return fromRow(rows[0]!)
  }

  /**
   * Apply a change: removals first, then additions (an entry in both ends up
   * listed). Every entry is checked (NET_BAD_IP_RULE) before anything is
   * written, and entries are kept in their normalised text form.
   */
  async change(c: IpRuleChange, now: number): Promise<IpRuleSet> {
    for (const list of [c.allow, c.deny])
      for (const e of [...(list?.add ?? []), ...(list?.remove ?? [])]) new IpFilter({ deny: [e] })
    return this.db.transaction('ip rules change', async (tx) => {
      const rows = await tx.query<RowDataPacket[]>(
        'SELECT version, allow_list, deny_list FROM gateway_ip_rules WHERE id = 1 FOR UPDATE',
      )
      const cur = fromRow(rows[0]!)
      const next: IpRuleSet = {
        version: cur.version + 1n,
        allow: edit(cur.allow, c.allow),
        deny: edit(cur.deny, c.deny),
      }
      if (next.allow.length > MAX_IP_RULES || next.deny.length > MAX_IP_RULES)
        throw new CenterBadAdminRequest(`an IP list may hold at most ${MAX_IP_RULES} entries`)
      await tx.query(
        'UPDATE gateway_ip_rules SET version = ?, allow_list = ?, deny_list = ?, updated_at_ms = ? WHERE id = 1',
        [next.version, JSON.stringify(next.allow), JSON.stringify(next.deny), now],
      )
      return next
    })
  }
}

function edit(
  list: string[],
  c: { add?: readonly string[]; remove?: readonly string[] } | undefined,
): string[] {
  const drop = new Set((c?.remove ?? []).map((e) => e.trim()))
  const out = list.filter((e) => !drop.has(e))
  for (const e of c?.add ?? []) if (!out.includes(e.trim())) out.push(e.trim())
  return out
}

function fromRow(r: RowDataPacket): IpRuleSet {
  return {
    version: BigInt(r.version),
    allow: JSON.parse(String(r.allow_list)) as string[],
    deny: JSON.parse(String(r.deny_list)) as string[],
  }
}
