import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { CodecBadOptions, CodecInflateFailed, CodecInflateTooLarge } from './errors.js'

const deflateRawAsync = promisify(zlib.deflateRaw)
const inflateRawAsync = promisify(zlib.inflateRaw)

export interface CompressionOptions {
  /** Bodies shorter than this many bytes are sent uncompressed. Default 512. */
  threshold: number
  /**
   * Largest body inflation may produce, in bytes. zlib stops as soon as it
   * passes this (`maxOutputLength`), so a bomb costs about one cap's worth
   * of work, then fails with CODEC_INFLATE_TOO_LARGE. Default 1 MiB.
   */
  maxInflatedBytes: number
  /** zlib level 1 (fast) .. 9 (small). Default 6. */
  level: number
  /**
   * The async methods use zlib's thread pool for input bodies above this
   * size and run inline below it, where a thread hop costs more than it saves.
   * Default 64 KiB.
   */
  syncMaxBytes: number
}

export const defaultCompressionOptions: Readonly<CompressionOptions> = Object.freeze({
  threshold: 512,
  maxInflatedBytes: 1024 * 1024,
  level: 6,
  syncMaxBytes: 64 * 1024,
})

function check(o: CompressionOptions): void {
  const bad = (what: string) => {
    throw new CodecBadOptions(what)
  }
  if (!Number.isInteger(o.threshold) || o.threshold < 0) bad(`compression.threshold ${o.threshold}`)
  if (!Number.isInteger(o.maxInflatedBytes) || o.maxInflatedBytes < 1)
    bad(`compression.maxInflatedBytes ${o.maxInflatedBytes}`)
  if (!Number.isInteger(o.level) || o.level < 1 || o.level > 9) bad(`compression.level ${o.level} (1..9)`)
  if (!Number.isInteger(o.syncMaxBytes) || o.syncMaxBytes < 0)
    bad(`compression.syncMaxBytes ${o.syncMaxBytes}`)
}

/**
 * zlib raw deflate (RFC 1951, no header or checksum: AES-GCM or the
 * transport already covers integrity) for frame bodies.
 */
export class BodyCompressor {
  readonly options: Readonly<CompressionOptions>
  private readonly deflateOpts: zlib.ZlibOptions
  private readonly inflateOpts: zlib.ZlibOptions

  constructor(options: Partial<CompressionOptions> = {}) {
    const o = { ...defaultCompressionOptions, ...options }
    check(o)
    this.options = Object.freeze(o)
    this.deflateOpts = { level: o.level }
    this.inflateOpts = { maxOutputLength: o.maxInflatedBytes }
  }

  /**
   * The compressed body, or null when it should go as it is: below the
   * threshold, or deflate did not make it smaller.
   */
  compress(body: Uint8Array): Uint8Array | null {
    if (body.length < this.options.threshold) return null
    const out = zlib.deflateRawSync(body, this.deflateOpts)
    return out.length < body.length ? out : null
  }

  async compressAsync(body: Uint8Array): Promise<Uint8Array | null> {
    if (body.length <= this.options.syncMaxBytes) return this.compress(body)
    const out = await deflateRawAsync(body, this.deflateOpts)
    return out.length < body.length ? out : null
  }

  inflate(body: Uint8Array): Uint8Array {
    try {
      return zlib.inflateRawSync(body, this.inflateOpts)
    } catch (err) {
      throw this.inflateError(err)
    }
  }

  async inflateAsync(body: Uint8Array): Promise<Uint8Array> {
    // Judged by input size; inline work is still bounded by maxInflatedBytes.
    if (body.length <= this.options.syncMaxBytes) return this.inflate(body)
    try {
      return await inflateRawAsync(body, this.inflateOpts)
    } catch (err) {
      throw this.inflateError(err)
    }
  }

  private inflateError(err: unknown) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      return CodecInflateTooLarge.with({ cause: err }, this.options.maxInflatedBytes)
    return CodecInflateFailed.with({ cause: err }, (err as Error).message)
  }
}
