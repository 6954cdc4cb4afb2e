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

  private emit(a: StorageAlert): void {
    try {
      this.hook?.(a)
    } catch (err) {
      this.logger.error({ err, alert: a.kind }, 'storage: alert hook threw')
    }
  }
}
