import { describe, expect, it } from 'vitest'
import { Outbox } from './outbox.js'

describe('Outbox', () => {
  it('numbers from 1, resends after a seq and forgets acknowledged entries', () => {
    const o = new Outbox()
    for (let i = 0; i < 5; i++) o.add(0, 1000, i + 1, new Uint8Array(4))
    expect(o.after(3).map((e) => e.seq)).toEqual([4, 5])
    o.ack(2)
    expect(o.size).toBe(3)
    expect(o.bytes).toBe(12)
    o.ack(5)
    expect(o.size).toBe(0)
    expect(o.add(0, 1000, 0, new Uint8Array(1)).seq).toBe(6)
    o.reset()
    expect(o.add(0, 1000, 0, new Uint8Array(1)).seq).toBe(1)
  })
})
