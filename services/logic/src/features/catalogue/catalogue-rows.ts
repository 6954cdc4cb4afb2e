import type { CatalogueIcon } from '@tessera/protocol'
import type { DbClient } from '@tessera/storage'
import { CatalogueBadRows } from './catalogue-errors.js'

/** The tables `tessera-icons apply` writes (tools/icons/src/catalogue-sql.ts). */
export const ICON_TABLE = 'icon'
export const CATALOGUE_TABLE = 'icon_catalogue'

/** A catalogue as logic holds it: the stored hash and the icons in id order. */
export interface CatalogueSnapshot {
  hash: string
  icons: CatalogueIcon[]
}

const q = (id: string) => `\`${id.replace(/`/g, '``')}\``
/** True when the error is "the table (or database) does not exist": no catalogue applied yet. */
const missing = (err: unknown) => {
  const code = (err as { code?: string }).code
  return code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_DB_ERROR'
}

/** The hash of the catalogue in `database`, or null when none was applied. One one-row SELECT: what the poll costs. */
export async function readCatalogueHash(db: DbClient, database: string): Promise<string | null> {
  try {
    const rows = await db.query<{ hash: string }[]>(
      `SELECT \`hash\` FROM ${q(database)}.${q(CATALOGUE_TABLE)} WHERE \`id\` = 1`,
    )
    return rows[0]?.hash ?? null
  } catch (err) {
    if (missing(err)) return null
    throw err
  }
}

/**
 * Hash and icons read in one consistent snapshot, so they belong together
 * even while `tessera-icons apply` commits a new catalogue (it writes rows
 * and hash in one transaction). Null when no catalogue was applied.
 */
export async function readCatalogue(db: DbClient, database: string): Promise<CatalogueSnapshot | null> {
  const conn = await db.getConnection()
  try {
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
    try {
      const [head] = (await conn.query(
        `SELECT \`hash\`, \`icons\` FROM ${q(database)}.${q(CATALOGUE_TABLE)} WHERE \`id\` = 1`,
      )) as unknown as [{ hash: string; icons: number }[]]
      const h = head[0]
      if (h === undefined) return null
      const [rows] = (await conn.query(
        `SELECT \`id\`, \`name\`, \`description\`, \`width\`, \`height\`, \`png_base64\` FROM ${q(database)}.${q(ICON_TABLE)} ORDER BY \`id\``,
      )) as unknown as [
        {
          id: number
          name: string
          description: string
          width: number
          height: number
          png_base64: string
        }[],
      ]
      if (rows.length !== h.icons)
        throw new CatalogueBadRows(database, `${rows.length} icon rows, the catalogue row says ${h.icons}`)
      const icons = rows.map((r) => ({
        id: r.id,
        name: r.name,
        description: r.description,
        width: r.width,
        height: r.height,
        png: new Uint8Array(Buffer.from(r.png_base64, 'base64')),
      }))
      return { hash: h.hash, icons }
    } finally {
      await conn.query('ROLLBACK')
    }
  } catch (err) {
    if (missing(err)) return null
    throw err
  } finally {
    conn.release()
  }
}
