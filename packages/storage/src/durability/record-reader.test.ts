import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { frame, RecordFile } from './record-file.js'
import { readFrames, type UnreadableRange } from './record-reader.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function tmpFile(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-reader-'))
  dirs.push(d)
  return path.join(d, 'r.log')
}

function read(p: string, chunkBytes?: number): { records: string[]; bad: UnreadableRange[] } {
  const bad: UnreadableRange[] = []
  const records: string[] = []
  for (const f of readFrames(p, (r) => bad.push(r), { chunkBytes })) records.push(f.payload.toString('utf8'))
  return { records, bad }
}

describe('readFrames', () => {
  it('reads nothing from a missing file', () => {
    expect(read(`${tmpFile()}.none`)).toEqual({ records: [], bad: [] })
  })

  it('reports a torn tail with its offset and keeps every whole record before it', () => {
    const p = tmpFile()
    const f = new RecordFile(p)
    f.append(['{"a":1}', '{"b":2}', '{"c":3}'], true)
    f.close()
    truncateSync(p, statSync(p).size - 3)
    expect(read(p)).toEqual({
      records: ['{"a":1}', '{"b":2}'],
      bad: [{ offset: 30, length: 12, reason: 'torn or corrupt tail: no intact record after it' }],
    })
    appendFileSync(p, Buffer.from([1, 0, 0]))
    expect(read(p).bad).toEqual([
      { offset: 30, length: 15, reason: 'torn or corrupt tail: no intact record after it' },
    ])
  })

  it('skips a corrupt record in the middle and reads the ones after it', () => {
    const p = tmpFile()
    const good = frame(['["one"]', '["two"]', '["three"]'])
    const second = 8 + 7
    good.writeUInt8((good.readUInt8(second + 10) ^ 0xff) & 0xff, second + 10) // flip a payload byte of "two": its checksum no longer holds
    writeFileSync(p, good)
    expect(read(p)).toEqual({
      records: ['["one"]', '["three"]'],
      bad: [{ offset: second, length: 15, reason: 'corrupt record: bad length or checksum' }],
    })
  })

  it('reads a file far larger than its window, records straddling chunk edges', () => {
    const p = tmpFile()
    const payloads: string[] = []
    for (let i = 0; i < 5000; i++) payloads.push(JSON.stringify(['x'.repeat(i % 97), i]))
    writeFileSync(p, frame(payloads))
    // A window of 64 bytes, and one record longer than that: it grows only for it.
    appendFileSync(p, frame([JSON.stringify(['y'.repeat(300)])]))
    const r = read(p, 64)
    expect(r.bad).toEqual([])
    expect(r.records).toEqual([...payloads, JSON.stringify(['y'.repeat(300)])])
  })

  it('starts at a given offset', () => {
    const p = tmpFile()
    writeFileSync(p, frame(['[1]', '[2]']))
    const out = [...readFrames(p, () => {}, { from: 11 })].map((f) => f.payload.toString())
    expect(out).toEqual(['[2]'])
  })
})
