import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ManualClock, TimerWheel } from '@tessera/kernel'
import { afterEach, describe, expect, it } from 'vitest'
import { Journal, type JournalMode, type JournalSize, type ResolvedJournalOptions } from './journal.js'
import { JournalFold } from './journal-record.js'
import { readFrames } from './record-reader.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-journal-'))
  dirs.push(d)
  return d
}

function wheel(): { timers: TimerWheel; clock: ManualClock } {
  const clock = new ManualClock(0)
  const timers = new TimerWheel({ clock, tickMs: 1 })
  return { timers, clock }
}

const options = (over: Partial<ResolvedJournalOptions> = {}): ResolvedJournalOptions => ({
  mode: 'write',
  syncIntervalMs: 100,
  segmentRecords: 65_536,
  alertBytes: 1 << 30,
  ...over,
})

/** Every record of every segment on disk, oldest first. */
function onDisk(j: Journal): string[] {
  const out: string[] = []
  for (const s of j.segments())
    for (const f of readFrames(j.segmentPath(s), (r) => out.push(`unreadable ${r.reason}`)))
      out.push(f.payload.toString('utf8'))
  return out
}

describe('Journal', () => {
  for (const mode of ['always', 'write', 'interval'] as JournalMode[]) {
    it(`keeps every appended change across segments (${mode})`, async () => {
      const d = tmp()
      const { timers } = wheel()
      const j = new Journal(d, options({ mode, syncIntervalMs: 10_000 }), timers)
      j.open()
      j.append('[1]')
      const sealed = j.rotate()
      j.append('[2]')
      j.append('[3]')
      await j.close()
      const again = new Journal(d, options({ mode }), timers)
      expect(onDisk(again)).toEqual(['[1]', '[2]', '[3]'])
      again.removeThrough(sealed)
      expect(onDisk(again)).toEqual(['[2]', '[3]'])
    })
  }

  it('writes nothing when off', async () => {
    const d = tmp()
    const j = new Journal(d, options({ mode: 'off' }), wheel().timers)
    j.open()
    j.append('[1]')
    await j.close()
    expect(readdirSync(d)).toEqual([])
  })

  it('interval mode: synced() resolves only once the sync timer wrote the changes', async () => {
    const d = tmp()
    const { timers, clock } = wheel()
    const j = new Journal(d, options({ mode: 'interval', syncIntervalMs: 50 }), timers)
    j.open()
    j.append('[1]')
    let done = false
    const p = j.synced().then(() => {
      done = true
    })
    await Promise.resolve()
    expect(done).toBe(false)
    expect(onDisk(j)).toEqual([])
    clock.advance(60)
    timers.advance()
    await p
    expect(done).toBe(true)
    expect(onDisk(j)).toEqual(['[1]'])
    await j.close()
  })

  it('reports full once a segment holds segmentRecords records', async () => {
    const j = new Journal(tmp(), options({ segmentRecords: 3 }), wheel().timers)
    j.open()
    j.append('[1]')
    j.append('[2]')
    expect(j.full).toBe(false)
    j.append('[3]')
    expect(j.full).toBe(true)
    j.rotate()
    expect(j.full).toBe(false)
    await j.close()
  })

  it('raises the size alert once when it passes alertBytes and clears it when segments are removed', async () => {
    const alerts: [boolean, JournalSize][] = []
    const j = new Journal(tmp(), options({ alertBytes: 100 }), wheel().timers, (firing, size) =>
      alerts.push([firing, size]),
    )
    j.open()
    for (let i = 0; i < 20; i++) j.append(`["change ${i}"]`)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]?.[0]).toBe(true)
    expect(alerts[0]?.[1].bytes).toBeGreaterThan(100)
    expect(j.size().records).toBe(20)
    const sealed = j.rotate()
    j.removeThrough(sealed)
    expect(alerts).toHaveLength(2)
    expect(alerts[1]).toEqual([false, { bytes: 0, records: 0, segments: 1 }])
    await j.close()
  })

  it('close() returns one promise to every caller', async () => {
    const j = new Journal(tmp(), options(), wheel().timers)
    j.open()
    expect(j.close()).toBe(j.close())
  })
})

describe('JournalFold', () => {
  it('folds changes per key: latest value per column, highest version, latest epoch', () => {
    const fold = new JournalFold(new Map([['player', ['id']]]))
    const bad = [
      fold.add('["player",[{"$b":"1"}],3,1,"gold",1,"name","a"]'),
      fold.add('["player",[{"$b":"2"}],3,4,"gold",7]'),
      fold.add('["player",[{"$b":"1"}],3,2,"gold",5]'),
      fold.add('["ghost",[1],3,1,"x",1]'),
      fold.add('["player",[1,2],3,1,"x",1]'),
      fold.add('["player",[1],3,"v","x",1]'),
      fold.add('{"not":"a record"}'),
      fold.add('[torn'),
    ]
    expect(bad).toEqual([
      undefined,
      undefined,
      undefined,
      'unknown table ghost',
      'key [1,2] does not match the primary key of player',
      'bad epoch or version',
      'not a journal record',
      expect.stringMatching(/^bad JSON/),
    ])
    expect(fold.records).toBe(3)
    expect(fold.specs(100)).toEqual([
      { table: 'player', primaryKey: ['id'], columns: ['id', 'gold', 'name'], rows: [[1n, 5, 'a', 2, 3]] },
      { table: 'player', primaryKey: ['id'], columns: ['id', 'gold'], rows: [[2n, 7, 4, 3]] },
    ])
  })
})
