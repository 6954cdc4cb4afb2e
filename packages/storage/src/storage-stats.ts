import type { ClassStats, StatementClass } from './db/query-metrics.js'

export interface StorageStats {
  database: string
  queries: Record<StatementClass, ClassStats>
  /** Field assignments that marked a column dirty, since start. */
  dirtyMarks: number
  /** Rows with unflushed changes now. */
  dirtyRows: number
  loadedRows: number
  flushes: number
  rowsLanded: number
  rowsDumped: number
  rowsErrored: number
  /**
   * Rows the database refused (stale owner epoch, version conflict) on any
   * path: live flush, unload, journal or dump replay. Each is in the error
   * dump and the log.
   */
  rowsRejected: number
  /** Replayed rows the database already held at a newer version of the same owner (nothing lost). */
  rowsSuperseded: number
  /** Batches split because they exceeded the server's max_allowed_packet. */
  packetSplits: number
  /** Records in the dump file waiting for the database. */
  dumpPending: number
  /** Journal segments on disk, their bytes and the records written to them since start. */
  journalBytes: number
  journalRecords: number
  journalSegments: number
  /** Unreadable ranges of journal or dump files moved to the quarantine since start. */
  quarantined: number
}

/** What start() found on disk and replayed (also logged at start-up). */
export interface StartupReplay {
  /** Dump file records replayed, the rows they held, and how long it took. */
  dumpRecords: number
  dumpRows: number
  dumpMs: number
  /** Journal records and segments replayed, the rows they folded into, and how long it took. */
  journalRecords: number
  journalSegments: number
  journalRows: number
  journalMs: number
}
