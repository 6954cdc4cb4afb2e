import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ReplayBuffer } from './replay-buffer.js'

const body = (n: number) => new Uint8Array(n)

describe('ReplayBuffer', () => {
  it('numbers messages from 1 and replays those after a given seq, in order', () => {
    const b = new ReplayBuffer()
    for (let i = 0; i < 5; i++) b.push(0, 1000, i, body(10))
    expect(b.lastSeq).toBe(5)
    expect(b.after(2).map((s) => s.seq)).toEqual([3, 4, 5])
    expect(b.after(5)).toEqual([])
  })

  it('drops acknowledged messages and tracks bytes', () => {
    const b = new ReplayBuffer()
    for (let i = 0; i < 4; i++) b.push(0, 1000, 0, body(100))
    const full = b.bytes
    expect(b.ack(3)).toBe(true)
    expect(b.size).toBe(1)
    expect(b.firstSeq).toBe(4)
    expect(b.bytes).toBe(full / 4)
    expect(b.ack(9)).toBe(false)
    b.ack(4)
    expect(b.size).toBe(0)
    expect(b.bytes).toBe(0)
    expect(b.firstSeq).toBe(5)
  })

  it('stays correct across compaction with many messages', () => {
    const b = new ReplayBuffer()
    for (let i = 1; i <= 5000; i++) {
      b.push(0, 1000, 0, body(1))
      if (i % 7 === 0) b.ack(i - 3)
    }
    expect(b.after(4995).map((s) => s.seq)).toEqual([4996, 4997, 4998, 4999, 5000])
    expect(b.firstSeq).toBe(4998 - 3 + 1) // last ack at i = 4998
  })
})

describe('ReplayBuffer.reset', () => {
  it('forgets everything and numbers from 1 again; clear() keeps the numbering', () => {
    const b = new ReplayBuffer()
    b.push(0, 1000, 0, body(4))
    b.push(0, 1000, 0, body(4))
    b.clear()
    expect(b.size).toBe(0)
    expect(b.push(0, 1000, 0, body(1)).seq).toBe(3)
    b.reset()
    expect([b.size, b.bytes, b.lastSeq]).toEqual([0, 0, 0])
    expect(b.push(0, 1000, 0, body(1)).seq).toBe(1)
  })
})

describe('ReplayBuffer against a plain list (fuzzed)', () => {
  it('holds, acks and replays exactly what a list trimmed from the front would', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ ack: fc.integer({ min: -2, max: 200 }) }),
      fc.record({ after: fc.integer({ min: -2, max: 200 }) }),
      fc.constant({ clear: true }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const b = new ReplayBuffer()
        let model: { seq: number; len: number }[] = []
        let last = 0
        for (const o of ops) {
          if ('push' in o) {
            const s = b.push(0, 1000, 0, body(o.push))
            expect(s.seq).toBe(++last)
            model.push({ seq: last, len: o.push })
          } else if ('ack' in o) {
            const ok = b.ack(o.ack)
            expect(ok).toBe(o.ack <= last)
            if (ok) model = model.filter((m) => m.seq > o.ack)
          } else if ('after' in o) {
            expect(b.after(o.after).map((s) => s.seq)).toEqual(
              model.filter((m) => m.seq > o.after).map((m) => m.seq),
            )
          } else {
            b.clear()
            model = []
          }
          expect(b.size).toBe(model.length)
          expect(b.firstSeq).toBe(model[0]?.seq ?? last + 1)
          expect(b.bytes).toBe(model.reduce((n, m) => n + m.len + 32, 0))
        }
      }),
      { numRuns: 300 },
    )
  })
})
