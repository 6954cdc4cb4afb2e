// The storage the storage benches measure: flushes only when the bench asks
// (interval of an hour), 1,000-row batches, a 4-connection pool, the given
// journal mode with a 100 ms sync cadence.
import path from 'node:path'
import type { JournalMode } from '../src/durability/journal.js'
import { Storage, type StorageOptions } from '../src/index.js'
import type { TestDatabase } from '../src/testing/mariadb.js'

export async function openBenchStorage(
  db: TestDatabase,
  dataDir: string,
  entities: StorageOptions['entities'],
  mode: JournalMode,
  sub: string,
): Promise<Storage> {
  const s = new Storage({
    url: db.url,
    service: db.service,
    machineId: db.machineId,
    entities,
    dataDir: path.join(dataDir, sub),
    flushIntervalMs: 3_600_000,
    batchRows: 1000,
    journal: { mode, syncIntervalMs: 100 },
    db: { connectionLimit: 4 },
  })
  await s.start()
  return s
}
