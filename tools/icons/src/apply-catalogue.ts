import type { Connection } from 'mysql2/promise'
import { catalogueStatements } from './catalogue-sql.js'
import { IconsDbFailed } from './errors.js'
import type { Catalogue } from './load-catalogue.js'

/**
 * Run {@link catalogueStatements} on `conn` (its current database). On an
 * error the transaction is rolled back, so the rows and the stored hash
 * stay as they were; ICONS_DB_FAILED names the database.
 */
export async function applyCatalogue(opts: {
  conn: Connection
  database: string
  catalogue: Catalogue
  onProgress?: (done: number, total: number) => void
}): Promise<void> {
  const statements = catalogueStatements(opts.catalogue)
  let i = 0
  try {
    for (const s of statements) {
      await opts.conn.query(s.sql, s.params)
      opts.onProgress?.(++i, statements.length)
    }
  } catch (err) {
    await opts.conn.query('ROLLBACK').catch(() => {})
    throw IconsDbFailed.with({ cause: err }, opts.database, (err as Error).message)
  }
}
