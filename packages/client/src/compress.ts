// deflate-raw through the Compression Streams API (browsers, Node 18+).
// Runtimes without it (some mini-game engines) simply do not offer
// compression in the handshake.

export function compressionAvailable(): boolean {
  try {
    new CompressionStream('deflate-raw' as CompressionFormat)
    return true
  } catch {
    return false
  }
}

async function collect(readable: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array> {
  const reader = readable.getReader()
  const parts: Uint8Array[] = []
  let n = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    n += value.length
    if (n > cap) {
      await reader.cancel()
      throw new Error(`compressed body inflates past ${cap} bytes`)
    }
    parts.push(value)
  }
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

async function run(
  stream: TransformStream<Uint8Array, Uint8Array>,
  input: Uint8Array,
  cap: number,
): Promise<Uint8Array> {
  const w = stream.writable.getWriter()
  const done = collect(stream.readable, cap)
  w.write(input).catch(() => {})
  w.close().catch(() => {})
  return done
}

export function deflateRaw(input: Uint8Array): Promise<Uint8Array> {
  return run(
    new CompressionStream('deflate-raw' as CompressionFormat) as TransformStream<Uint8Array, Uint8Array>,
    input,
    Number.POSITIVE_INFINITY,
  )
}

/** Inflate, failing as soon as the output passes `cap` bytes. */
export function inflateRaw(input: Uint8Array, cap: number): Promise<Uint8Array> {
  return run(
    new DecompressionStream('deflate-raw' as CompressionFormat) as TransformStream<Uint8Array, Uint8Array>,
    input,
    cap,
  )
}
