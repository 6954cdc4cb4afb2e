/**
 * Conditions an operator must hear about, passed to `StorageOptions.onAlert`
 * (e.g. a chat or paging sink) as well as logged:
 * - `journal-size`: the journal passed `journal.alertBytes` (`firing: true`,
 *   once per crossing) or is back under it (`firing: false`). It grows while
 *   flushes cannot finish: a database outage or a hung database.
 * - `quarantine`: bytes of a journal segment or the dump file could not be
 *   read (torn tail, bad checksum, bad JSON) and were moved to the
 *   quarantine directory for a person to look at.
 */
export type StorageAlert =
  | {
      kind: 'journal-size'
      database: string
      firing: boolean
      bytes: number
      records: number
      segments: number
      thresholdBytes: number
    }
  | {
      kind: 'quarantine'
      database: string
      /** The journal segment or dump file the bytes came from, and where. */
      source: string
      offset: number
      length: number
      reason: string
      /** Where the bytes are kept. */
      file: string
    }
  | {
      /**
       * Writes are going to the dump file (`firing: true`, when the first
       * batch of an outage is dumped) or the dump file was replayed and is
       * empty again (`firing: false`).
       */
      kind: 'dump'
      database: string
      firing: boolean
      /** Rows written to the dump so far (since start). */
      dumpedRows: number
    }
  | {
      /** A start-up replay of the journal or the dump file put records back into the database. */
      kind: 'replay'
      database: string
      source: 'journal' | 'dump'
      records: number
      rows: number
      ms: number
    }
  | {
      /** The database refused a statement (not a connection loss): the row is in the error dump. */
      kind: 'sql-error'
      database: string
      table: string
      message: string
      /** The error dump file holding the statement. */
      file: string
    }
