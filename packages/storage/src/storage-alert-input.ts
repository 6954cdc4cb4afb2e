import type { AlertInput } from '@tessera/kernel'
import type { StorageAlert } from './storage-alert.js'

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`

/**
 * A StorageAlert as the platform's alert (docs/alerts.md: kinds
 * storage-dump, storage-replay, storage-quarantine, sql-error). The key
 * carries the database, so each database's alert is deduplicated apart.
 */
export function storageAlertInput(a: StorageAlert): AlertInput {
  switch (a.kind) {
    case 'journal-size':
      return a.firing
        ? {
            kind: 'storage-dump',
            severity: 'warning',
            title: `${a.database}: journal over its alert size`,
            text: `${mib(a.bytes)} in ${a.segments} segment(s), ${a.records} records (alert at ${mib(a.thresholdBytes)}): flushes are not keeping up; is the database away or hung?`,
            key: `storage-journal:${a.database}`,
          }
        : {
            kind: 'storage-replay',
            severity: 'info',
            title: `${a.database}: journal back under its alert size`,
            text: `${mib(a.bytes)}`,
            key: `storage-journal-ok:${a.database}`,
          }
    case 'dump':
      return a.firing
        ? {
            kind: 'storage-dump',
            severity: 'warning',
            title: `${a.database}: writes are going to the dump file`,
            text: 'the database did not take a write batch (away, or no answer within storage.writeDeadlineMs); the dump file keeps the writes and is replayed when the database answers',
            key: `storage-dump:${a.database}`,
          }
        : {
            kind: 'storage-replay',
            severity: 'info',
            title: `${a.database}: dump file replayed, database taking writes again`,
            text: `${a.dumpedRows} rows went through the dump file since start`,
            key: `storage-dump-ok:${a.database}`,
          }
    case 'replay':
      return {
        kind: 'storage-replay',
        severity: 'info',
        title: `${a.database}: ${a.source} replayed at start`,
        text: `${a.records} records, ${a.rows} rows in ${a.ms} ms`,
        key: `storage-replay:${a.database}:${a.source}`,
      }
    case 'quarantine':
      return {
        kind: 'storage-quarantine',
        severity: 'critical',
        title: `${a.database}: unreadable record kept aside`,
        text: `${a.length} bytes of ${a.source} at offset ${a.offset} (${a.reason}) moved to ${a.file}; start-up went on. An operator must look at it.`,
        key: `storage-quarantine:${a.database}:${a.source}:${a.offset}`,
      }
    case 'sql-error':
      return {
        kind: 'sql-error',
        severity: 'warning',
        title: `${a.database}.${a.table}: statement refused`,
        text: `${a.message}; the statement is in ${a.file}`,
        key: `sql-error:${a.database}:${a.table}:${a.message}`,
      }
  }
}
