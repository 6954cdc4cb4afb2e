import { describe, expect, it } from 'vitest'
import { StorageBadConfig } from './errors.js'
import { Player } from './fixtures/entities.js'
import { resolveOptions, type StorageOptions } from './storage-options.js'

const base: StorageOptions = {
  url: 'mysql://root@127.0.0.1:1',
  service: 's',
  machineId: 1,
  entities: [Player],
  dataDir: '/tmp/x',
}

describe('resolveOptions', () => {
  it('fills every default once', () => {
    const r = resolveOptions(base)
    expect(r).toMatchObject({
      mode: 'single',
      epoch: 0,
      flushIntervalMs: 1000,
      batchRows: 500,
      writeDeadlineMs: 5000,
      readDeadlineMs: 5000,
      probeIntervalMs: 1000,
      journal: { mode: 'write', syncIntervalMs: 100, segmentRecords: 65_536, alertBytes: 64 * 1024 * 1024 },
    })
  })

  it.each([
    [{ batchRows: 0 }, /batchRows must be > 0/],
    [{ writeDeadlineMs: -1 }, /writeDeadlineMs must be > 0/],
    [{ readDeadlineMs: 0 }, /readDeadlineMs must be > 0/],
    [{ journal: { segmentRecords: 0 } }, /journal segmentRecords must be > 0/],
    [{ journal: { mode: 'sometimes' as 'off' } }, /journal mode sometimes/],
    [{ mode: 'multi' as 'single' }, /mode multi/],
  ] as [Partial<StorageOptions>, RegExp][])('refuses %o with STORAGE_BAD_CONFIG', (over, msg) => {
    const err = (() => {
      try {
        resolveOptions({ ...base, ...over })
      } catch (e) {
        return e
      }
    })()
    expect(StorageBadConfig.is(err)).toBe(true)
    expect((err as Error).message).toMatch(msg)
  })
})
