import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { TesseraError } from '../../errors/index.js'
import { tcpFrame } from '../fixtures/net-fixtures.js'
import { LengthPrefixParser } from './length-prefix-parser.js'

class Collect extends LengthPrefixParser {
  frames: Buffer[] = []
  chunks: Uint8Array[] = []
  protected emitFrame(buf: Uint8Array, start: number, end: number): void {
    this.frames.push(Buffer.from(buf.subarray(start, end)))
    this.chunks.push(buf)
  }
  feed(chunks: Uint8Array[]): TesseraError | null {
    for (const c of chunks) {
      const e = this.push(c)
      if (e) return e
    }
    return null
  }
}

const frames = [tcpFrame(0, 100, 1, 'hello'), tcpFrame(4, 200, 2, ''), tcpFrame(0, 300, 3, 'x'.repeat(300))]
const stream = Buffer.concat(frames)
const bodies = frames.map((f) => f.subarray(4))

describe('LengthPrefixParser', () => {
  it('returns whole frames inside one chunk as ranges of it (no copy)', () => {
    const p = new Collect(1024)
    expect(p.push(stream)).toBeNull()
    expect(p.frames).toEqual(bodies)
    expect(p.chunks.every((c) => c === stream)).toBe(true)
    expect(p.midFrame).toBe(false)
  })

  it('assembles a frame split one byte at a time', () => {
    const p = new Collect(1024)
    for (let i = 0; i < stream.length; i++) {
      expect(p.push(stream.subarray(i, i + 1))).toBeNull()
      if (i < stream.length - 1) expect(p.midFrame || p.frames.length > 0).toBe(true)
    }
    expect(p.frames).toEqual(bodies)
    expect(p.midFrame).toBe(false)
  })

  it('yields the same frames for any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const at = [...new Set(cuts)].sort((a, b) => a - b)
        const chunks: Buffer[] = []
        let prev = 0
        for (const c of [...at, stream.length]) {
          if (c > prev) chunks.push(stream.subarray(prev, c))
          prev = c
        }
        const p = new Collect(1024)
        expect(p.feed(chunks)).toBeNull()
        expect(p.frames).toEqual(bodies)
      }),
      { numRuns: 200 },
    )
  })

  it('refuses a 4 GiB length before allocating anything', () => {
    const p = new Collect(1024)
    const e = p.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]))
    expect(e?.code).toBe('NET_FRAME_TOO_LARGE')
    expect(e?.message).toContain('4294967295')
  })

  it('refuses a length split across chunks as soon as the 4th byte arrives', () => {
    const p = new Collect(1024)
    expect(p.push(Buffer.from([0x00, 0x00]))).toBeNull()
    expect(p.push(Buffer.from([0x04]))).toBeNull()
    expect(p.push(Buffer.from([0x01]))?.code).toBe('NET_FRAME_TOO_LARGE')
  })

  it('refuses a length shorter than the header', () => {
    expect(new Collect(1024).push(Buffer.from([0, 0, 0, 3, 1, 2, 3]))?.code).toBe('NET_FRAME_TOO_SMALL')
  })

  it('applies a lowered or raised max from the next frame on', () => {
    const p = new Collect(16)
    expect(p.push(tcpFrame(0, 1, 0, 'x'.repeat(20)))?.code).toBe('NET_FRAME_TOO_LARGE')
    const q = new Collect(16)
    q.maxFrameBytes = 64
    expect(q.push(tcpFrame(0, 1, 0, 'x'.repeat(20)))).toBeNull()
    expect(q.frames).toHaveLength(1)
  })

  it('never throws on random bytes: a frame, nothing yet, or a typed error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 10 }), (chunks) => {
        const p = new Collect(64)
        const e = p.feed(chunks.map((c) => Buffer.from(c)))
        if (e) expect(['NET_FRAME_TOO_LARGE', 'NET_FRAME_TOO_SMALL']).toContain(e.code)
        for (const f of p.frames) expect(f.length).toBeGreaterThanOrEqual(10)
      }),
      { numRuns: 500 },
    )
  })
})
