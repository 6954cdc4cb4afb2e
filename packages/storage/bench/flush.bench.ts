// Dirty-flush throughput into a real MariaDB (the private test instance, or
// MYSQL_URL) against the same changes sent one UPDATE each, and the cost the
// journal adds to a field assignment for each fsync cadence.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fmt, gc, report, smoke } from '@tessera/testkit/bench'
import type { JournalMode } from '../src/durability/journal.js'
import { Player } from '../src/fixtures/entities.js'
import type { Row, Storage } from '../src/index.js'
import { testDatabase } from '../src/testing/mariadb.js'
import { openBenchStorage } from './bench-storage.js'

const ROWS = smoke ? 500 : 20_000
const ROUNDS = smoke ? 1 : 3
const SINGLE_UPDATES = smoke ? 200 : 3_000
const HOT = Math.min(1000, ROWS)

const db = await testDatabase('bench')
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-'))

const open = (mode: JournalMode, sub: string): Promise<Storage> =>
  openBenchStorage(db, dataDir, [Player], mode, sub)

try {
  // --- flush throughput vs one UPDATE per change -------------------------
  const s = await open('off', 'flush')
  const rows: Row<typeof Player.columns>[] = []
  for (let i = 1; i <= ROWS; i++) rows.push(s.create(Player, { id: BigInt(i), name: `p${i}` }))
  await s.flush()
  let best = 0
  let total = 0
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of rows) {
      p.gold += 1
      p.level = (p.level + 1) % 1000
    }
    gc()
    const t0 = performance.now()
    const res = await s.flush()
    const ms = performance.now() - t0
    if (res.landed !== ROWS) throw new Error(`flush landed ${res.landed} of ${ROWS}`)
    const rate = ROWS / (ms / 1000)
    best = Math.max(best, rate)
    total += rate
  }
  const flushRate = total / ROUNDS
  const client = s.client
  const t1 = performance.now()
  for (let i = 0; i < SINGLE_UPDATES; i++) {
    await client.query('UPDATE player SET gold = ?, level = ? WHERE id = ?', [
      i,
      i % 1000,
      BigInt((i % ROWS) + 1),
    ])
  }
  const singleRate = SINGLE_UPDATES / ((performance.now() - t1) / 1000)
  const t2 = performance.now()
  const conc = 4
  await Promise.all(
    Array.from({ length: conc }, async (_x, w) => {
      for (let i = w; i < SINGLE_UPDATES; i += conc)
        await client.query('UPDATE player SET gold = ?, level = ? WHERE id = ?', [
          i,
          i % 1000,
          BigInt((i % ROWS) + 1),
        ])
    }),
  )
  const concRate = SINGLE_UPDATES / ((performance.now() - t2) / 1000)
  await s.stop()
  report({
    title: 'Storage: dirty flush vs one UPDATE per change (real MariaDB)',
    columns: ['method', 'row changes/s', 'vs one UPDATE each'],
    rows: [
      [
        `batched upsert flush (${ROWS} dirty rows, mean of ${ROUNDS})`,
        fmt(flushRate, 0),
        `${fmt(flushRate / singleRate, 1)}×`,
      ],
      ['batched upsert flush (best round)', fmt(best, 0), `${fmt(best / singleRate, 1)}×`],
      [`one UPDATE per row change, sequential (${SINGLE_UPDATES} statements)`, fmt(singleRate, 0), '1×'],
      ['one UPDATE per row change, 4 connections', fmt(concRate, 0), `${fmt(concRate / singleRate, 1)}×`],
    ],
    notes: [
      'A row change = one row written with its changed columns (2 here: gold and level); each UPDATE also sets those 2 columns of one row.',
      'Flush = fenced multi-row INSERT ... ON DUPLICATE KEY UPDATE, 1000 rows per statement, innodb_flush_log_at_trx_commit=1.',
      'Target: >= 50,000 row changes/s on the 2-core CI machines.',
    ],
  })

  // --- journal overhead per change --------------------------------------
  const modes: [JournalMode, number][] = [
    ['off', smoke ? 20_000 : 400_000],
    ['interval', smoke ? 20_000 : 400_000],
    ['write', smoke ? 5_000 : 100_000],
    ['always', smoke ? 200 : 2_000],
  ]
  const perMode: [JournalMode, number][] = []
  for (const [mode, n] of modes) {
    const j = await open(mode, `journal-${mode}`)
    const jr: Row<typeof Player.columns>[] = []
    for (let i = 1; i <= HOT; i++) jr.push((await j.load(Player, BigInt(i))) as Row<typeof Player.columns>)
    gc()
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) {
      const p = jr[i % HOT] as Row<typeof Player.columns>
      p.gold = i
    }
    const ns = Number(process.hrtime.bigint() - t0) / n
    perMode.push([mode, ns])
    await j.stop()
  }
  const off = perMode[0]?.[1] ?? 0
  report({
    title: 'Storage: journal cost per field assignment, by fsync cadence',
    columns: ['journal mode', 'ns / change', 'overhead vs off (ns)', 'loss window on a crash'],
    rows: perMode.map(([m, ns]) => [
      m,
      fmt(ns, 0),
      m === 'off' ? '-' : fmt(ns - off, 0),
      {
        off: 'everything since the last flush',
        interval: 'last 100 ms (syncIntervalMs), any crash',
        write: 'none on kill -9; last 100 ms on power loss',
        always: 'none',
      }[m],
    ]),
    notes: [
      '`off` is the bare assignment (check, dirty mark) with no journal: the baseline.',
      'write = one write(2) per change + fdatasync every 100 ms; always = write + fdatasync per change (disk-bound).',
    ],
  })
} finally {
  await db.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
