import { ALERT_KINDS } from '@tessera/kernel'
import { describe, expect, it } from 'vitest'
import type { StorageAlert } from './storage-alert.js'
import { storageAlertInput } from './storage-alert-input.js'

const db = 'logic_3'
const cases: [StorageAlert, string, string][] = [
  [
    {
      kind: 'journal-size',
      database: db,
      firing: true,
      bytes: 3 << 20,
      records: 9,
      segments: 2,
      thresholdBytes: 1 << 20,
    },
    'storage-dump',
    'warning',
  ],
  [
    {
      kind: 'journal-size',
      database: db,
      firing: false,
      bytes: 1,
      records: 1,
      segments: 1,
      thresholdBytes: 1 << 20,
    },
    'storage-replay',
    'info',
  ],
  [{ kind: 'dump', database: db, firing: true, dumpedRows: 4 }, 'storage-dump', 'warning'],
  [{ kind: 'dump', database: db, firing: false, dumpedRows: 4 }, 'storage-replay', 'info'],
  [{ kind: 'replay', database: db, source: 'journal', records: 5, rows: 3, ms: 7 }, 'storage-replay', 'info'],
  [
    {
      kind: 'quarantine',
      database: db,
      source: 'journal-000001.log',
      offset: 12,
      length: 3,
      reason: 'bad checksum',
      file: '/q/1',
    },
    'storage-quarantine',
    'critical',
  ],
  [{ kind: 'sql-error', database: db, table: 'player', message: 'boom', file: '/e' }, 'sql-error', 'warning'],
]

describe('storageAlertInput', () => {
  it.each(cases)('maps %o to a platform alert of a known kind, naming the database', (a, kind, severity) => {
    const out = storageAlertInput(a)
    expect(out).toMatchObject({ kind, severity })
    expect(ALERT_KINDS).toContain(out.kind)
    expect(out.title).toContain(db)
    expect(out.key).toContain(db)
  })
})
