import { randomBytes } from 'node:crypto'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { BodyCompressor } from './compression.js'

const text = (n: number) =>
  Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(Math.ceil(n / 44)).slice(0, n))

describe('BodyCompressor', () => {
  it('leaves bodies below the threshold alone', () => {
    const c = new BodyCompressor({ threshold: 100 })
    expect(c.compress(text(99))).toBeNull()
    expect(c.compress(text(100))).not.toBeNull()
  })

  it('round-trips a compressible body as raw deflate', () => {
    const c = new BodyCompressor({ threshold: 16 })
    const body = text(5000)
    const packed = c.compress(body)!
    expect(packed.length).toBeLessThan(body.length / 5)
    // Raw deflate: no zlib header, readable by any RFC 1951 implementation.
    expect(Buffer.from(zlib.inflateRawSync(packed))).toEqual(body)
    expect(Buffer.from(c.inflate(packed))).toEqual(body)
  })

  it('sends incompressible bodies uncompressed', () => {
    const c = new BodyCompressor({ threshold: 16 })
    expect(c.compress(randomBytes(4096))).toBeNull()
  })

  it('stops a zip bomb at the cap with CODEC_INFLATE_TOO_LARGE, sync and async', async () => {
    const c = new BodyCompressor({ maxInflatedBytes: 64 * 1024, syncMaxBytes: 1024 })
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
    expect(bomb.length).toBeLessThan(100 * 1024)
    expect(() => c.inflate(bomb)).toThrow(expect.objectContaining({ code: 'CODEC_INFLATE_TOO_LARGE' }))
    // bomb is larger than syncMaxBytes, so this goes through zlib's thread pool
    await expect(c.inflateAsync(bomb)).rejects.toMatchObject({ code: 'CODEC_INFLATE_TOO_LARGE' })
  })

  it('accepts a body inflating to exactly the cap', () => {
    const c = new BodyCompressor({ maxInflatedBytes: 10_000 })
    const packed = zlib.deflateRawSync(Buffer.alloc(10_000, 7))
    expect(c.inflate(packed).length).toBe(10_000)
    expect(() => c.inflate(zlib.deflateRawSync(Buffer.alloc(10_001, 7)))).toThrow(/10000-byte cap/)
  })

  it('reports corrupt input as CODEC_INFLATE_FAILED', async () => {
    const c = new BodyCompressor()
    for (const bad of [
      Buffer.from([1, 2, 3, 4, 5]),
      Buffer.alloc(0),
      c.compress(text(4000))!.subarray(0, 10),
    ])
      expect(() => c.inflate(bad)).toThrow(expect.objectContaining({ code: 'CODEC_INFLATE_FAILED' }))
    await expect(c.inflateAsync(Buffer.from([0xff, 0xff]))).rejects.toMatchObject({
      code: 'CODEC_INFLATE_FAILED',
    })
  })

  it('compresses large bodies off the main thread with the same result', async () => {
    const c = new BodyCompressor({ syncMaxBytes: 1024 })
    const body = text(200_000)
    const packed = (await c.compressAsync(body))!
    expect(Buffer.from(await c.inflateAsync(packed))).toEqual(body)
    expect(Buffer.from(c.compress(body)!)).toEqual(Buffer.from(packed))
  })

  it('refuses bad options', () => {
    expect(() => new BodyCompressor({ level: 0 })).toThrow(
      expect.objectContaining({ code: 'CODEC_BAD_OPTIONS' }),
    )
    expect(() => new BodyCompressor({ maxInflatedBytes: 0 })).toThrow(/maxInflatedBytes/)
    expect(() => new BodyCompressor({ threshold: -1 })).toThrow(/threshold/)
  })
})
