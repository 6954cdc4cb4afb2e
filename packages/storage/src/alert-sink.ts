import type { JournalSize } from './durability/journal.js'
import type { QuarantineEntry } from './durability/quarantine.js'
import type { StorageLogger } from './logger.js'
import type { StorageAlert } from './storage-alert.js'

/** Logs each StorageAlert and hands it to the onAlert hook (a throwing hook is logged, not fatal). */
export class AlertSink {
  constructor(
    private readonly database: string,
    private readonly logger: StorageLogger,
    private readonly hook: ((alert: StorageAlert) => void) | undefined,
  ) {}

  journalSize(firing: boolean, size: JournalSize, thresholdBytes: number): void {
    if (firing)
      this.logger.warn(
        { ...size, thresholdBytes },
        'storage: journal over its alert size (flushes are not keeping up; is the database away?)',
      )
    else this.logger.info({ ...size, thresholdBytes }, 'storage: journal back under its alert size')
    this.emit({ kind: 'journal-size', database: this.database, firing, ...size, thresholdBytes })
  }

  quarantined(e: QuarantineEntry): void {
    this.logger.error(
      { file: e.source, offset: e.offset, length: e.length, reason: e.reason, keptAs: e.file },
      'storage: unreadable record moved to the quarantine',
    )
    this.emit({ kind: 'quarantine', database: this.database, ...e })
  }

  /** The dump file began taking writes (an outage) or was emptied again. Logged where it happens. */
  dump(firing: boolean, dumpedRows: number): void {
    this.emit({ kind: 'dump', database: this.database, firing, dumpedRows })
  }

  /** A start-up replay put records back (logged by the replay itself). */
  replayed(source: 'journal' | 'dump', records: number, rows: number, ms: number): void {
    if (records > 0) this.emit({ kind: 'replay', database: this.database, source, records, rows, ms })
  }

  /** A statement the database refused went to the error dump (logged by the writer). */
  sqlError(table: string, message: string, file: string): void {
    this.emit({ kind: 'sql-error', database: this.database, table, message, file })
  }

  private emit(a: StorageAlert): void {
    try {
      this.hook?.(a)
    } catch (err) {
      this.logger.error({ err, alert: a.kind }, 'storage: alert hook threw')
    }
  }
}
