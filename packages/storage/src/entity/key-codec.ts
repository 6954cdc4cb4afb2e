/**
 * JSON with bigint and binary values, for journal and dump records and for
 * row keys. A bigint becomes {"$b":"123"}, a Buffer {"$x":"hex"}; everything
 * else is plain JSON, so records stay readable with `less`.
 */

function replacer(this: unknown, _k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { $b: v.toString() }
  if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer') {
    // Buffer#toJSON already ran; turn { type, data } into hex.
    const data = (v as { data?: unknown }).data
    if (Array.isArray(data)) return { $x: Buffer.from(data as number[]).toString('hex') }
  }
  return v
}

function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>
    if (typeof o.$b === 'string' && Object.keys(o).length === 1) return BigInt(o.$b)
    if (typeof o.$x === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$x, 'hex')
  }
  return v
}

export function encodeValue(v: unknown): string {
  // Fast paths for the common journal values (a replacer makes
  // JSON.stringify several times slower).
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `{"$b":"${v}"}`
  return JSON.stringify(v, replacer)
}

/** A {"$b"} or {"$x"} tag turned back into its bigint or Buffer; anything else as is (one level, no walk). */
export function untag(v: unknown): unknown {
  return reviver('', v)
}

export function decodeValue(s: string): unknown {
  return JSON.parse(s, reviver)
}

/** Canonical string for a primary key (database-form values). */
export function encodeKey(values: readonly unknown[]): string {
  return encodeValue(values)
}
