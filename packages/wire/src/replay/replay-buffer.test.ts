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
