import type { BatchWriter } from '../flush/batch-writer.js'
import { emptyOutcome, mergeOutcome, type WriteOutcome } from '../flush/batch-writer.js'
import type { StorageLogger } from '../logger.js'
import type { Journal } from './journal.js'
import { JournalFold } from './journal-record.js'
import type { Quarantine } from './quarantine.js'
import { readFrames } from './record-reader.js'

export interface JournalReplay {
  records: number
  segments: number
  /** Rows written (landed, superseded, rejected, dumped or errored). */
  rows: number
  outcome: WriteOutcome
  ms: number
}

/**
 * Replay the journal segments a previous run left, oldest first, each
 * streamed from disk and folded on its own (memory bounded by one segment,
 * see JournalFold), then delete it: its rows are now in the database, the
 * dump file or the error dump, and its unreadable records in the quarantine.
 */
export async function replayJournal(
  journal: Journal,
  primaryKeys: ReadonlyMap<string, readonly string[]>,
  writer: BatchWriter,
  quarantine: Quarantine,
  opts: { batchRows: number; logger: StorageLogger },
): Promise<JournalReplay> {
  const t0 = performance.now()
  const segments = journal.segments()
  const outcome = emptyOutcome()
  let records = 0
  for (const seg of segments) {
    const file = journal.segmentPath(seg)
    const fold = new JournalFold(primaryKeys)
    for (const f of readFrames(file, (r) => quarantine.keep(file, r.offset, r.length, r.reason))) {
      const bad = fold.add(f.payload.toString('utf8'))
      if (bad) quarantine.keep(file, f.offset, f.length, bad)
    }
    records += fold.records
    const plan = fold.plan(opts.batchRows)
    for (const spec of plan.specs) mergeOutcome(outcome, await writer.write(spec, undefined))
    // Rows a group tied together: one transaction each, all or nothing.
    mergeOutcome(
      outcome,
      await writer.writeGroups(
        plan.groups.map((specs) => ({ specs })),
        opts.batchRows,
      ),
    )
    journal.removeThrough(seg)
  }
  const ms = performance.now() - t0
  const o = outcome
  const rows = o.landed + o.superseded + o.rejected.length + o.dumped + o.errored
  opts.logger.info(
    {
      records,
      segments: segments.length,
      rows: o.landed,
      superseded: o.superseded,
      rejected: o.rejected.length,
      dumped: o.dumped,
      errored: o.errored,
      ms: Math.round(ms),
      recordsPerSecond: Math.round(records / Math.max(ms / 1000, 1e-3)),
    },
    'storage: journal replayed',
  )
  writer.logReplayRefusals('journal', o.rejected)
  return { records, segments: segments.length, rows, outcome, ms }
}
