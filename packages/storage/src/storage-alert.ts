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
