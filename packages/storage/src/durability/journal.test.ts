import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { planJournalReplay } from '../flush/build-specs.js'
import { Journal, type JournalMode } from './journal.js'
import { RecordFile, readRecords } from './record-file.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-journal-'))
  dirs.push(d)
  return d
}

describe('RecordFile', () => {
  it('drops a torn or corrupt tail and keeps every whole record before it', () => {
    const d = tmp()
    const f = new RecordFile(path.join(d, 'r.log'))
    f.append(['{"a":1}', '{"b":2}', '{"c":3}'], true)
    f.close()
    const p = path.join(d, 'r.log')
    truncateSync(p, statSync(p).size - 3)
    expect(readRecords(p)).toEqual({ records: ['{"a":1}', '{"b":2}'], badTailBytes: 12 })
    appendFileSync(p, Buffer.from([1, 0, 0, 0, 9, 9, 9, 9, 65]))
    expect(readRecords(p).records).toHaveLength(2)
  })
})

describe('Journal', () => {
  for (const mode of ['always', 'write', 'interval'] as JournalMode[]) {
    it(`keeps every appended change across segments (${mode})`, () => {
      const d = tmp()
      const j = new Journal(d, { mode, syncIntervalMs: 10_000 })
      j.open()
      j.append('[1]')
      const sealed = j.rotate()
      j.append('[2]')
      j.append('[3]')
      j.close()
      const again = new Journal(d, { mode })
      expect(again.readAll().records).toEqual(['[1]', '[2]', '[3]'])
      again.removeThrough(sealed)
      expect(again.readAll().records).toEqual(['[2]', '[3]'])
    })
  }

  it('writes nothing when off', () => {
    const d = tmp()
    const j = new Journal(d, { mode: 'off' })
    j.open()
    j.append('[1]')
    j.close()
    expect(readdirSync(d)).toEqual([])
  })
})

describe('planJournalReplay', () => {
  it('folds changes per key: latest value per column, highest version, latest epoch', () => {
    const recs = [
      '["player",[{"$b":"1"}],3,1,"gold",1,"name","a"]',
      '["player",[{"$b":"2"}],3,4,"gold",7]',
      '["player",[{"$b":"1"}],3,2,"gold",5]',
      '["ghost",[1],3,1,"x",1]',
    ]
    const unknown: string[] = []
    const specs = planJournalReplay(recs, new Map([['player', ['id']]]), 100, (r) => unknown.push(r))
    expect(unknown).toHaveLength(1)
    expect(specs).toEqual([
      { table: 'player', primaryKey: ['id'], columns: ['id', 'gold', 'name'], rows: [[1n, 5, 'a', 2, 3]] },
      { table: 'player', primaryKey: ['id'], columns: ['id', 'gold'], rows: [[2n, 7, 4, 3]] },
    ])
  })
})
