/**
 * Typed column declarations. Each column knows its SQL type, the JS value it
 * holds, how to check a value before it reaches the database (so an
 * out-of-range integer is an error naming the field, not a silent clamp or a
 * server error inside a batch), and how to convert to and from mysql2.
 */

export type ColumnKind =
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'double'
  | 'bool'
  | 'varchar'
  | 'text'
  | 'blob'
  | 'json'

export interface Column<T = unknown> {
  readonly kind: ColumnKind
  readonly sqlType: string
  readonly nullable: boolean
  /** Value a new row gets when create() is not given one. */
  readonly initial: () => T
  /** Undefined when the value fits, else the reason it does not. */
  check(value: unknown): string | undefined
  /** JS value → parameter for mysql2. */
  toDb(value: T): unknown
  /** mysql2 result value → JS value. */
  fromDb(raw: unknown): T
  /** Phantom, for type inference only. */
  readonly __type?: T
}

type Nullable<T, N> = N extends true ? T | null : T

interface Base<N extends boolean> {
  nullable?: N
}

const INT_RANGES = {
  tinyint: [-128, 127, 255],
  smallint: [-32768, 32767, 65535],
  int: [-2147483648, 2147483647, 4294967295],
} as const

function wrapNull<T>(nullable: boolean, c: Omit<Column<T>, 'nullable'>): Column<T> {
  if (!nullable) return { ...c, nullable }
  return {
    ...c,
    nullable,
    sqlType: c.sqlType.replace(/ NOT NULL.*$/, ' NULL DEFAULT NULL'),
    initial: () => null as T,
    check: (v) => (v === null ? undefined : c.check(v)),
    toDb: (v) => (v === null ? null : c.toDb(v)),
    fromDb: (raw) => (raw === null ? (null as T) : c.fromDb(raw)),
  }
}

function intColumn(
  kind: 'tinyint' | 'smallint' | 'int',
  unsigned: boolean,
  nullable: boolean,
): Column<number> {
  const [smin, smax, umax] = INT_RANGES[kind]
  const min = unsigned ? 0 : smin
  const max = unsigned ? umax : smax
  return wrapNull<number>(nullable, {
    kind,
    sqlType: `${kind.toUpperCase()}${unsigned ? ' UNSIGNED' : ''} NOT NULL DEFAULT 0`,
    initial: () => 0,
    check(v) {
      if (typeof v !== 'number' || !Number.isInteger(v)) return `expected an integer, got ${describe(v)}`
      if (v < min || v > max)
        return `${v} is out of range for ${kind}${unsigned ? ' unsigned' : ''} [${min}, ${max}]`
      return undefined
    },
    toDb: (v) => v,
    fromDb: (raw) => Number(raw),
  })
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const U64_MAX = 2n ** 64n - 1n

function describe(v: unknown): string {
  if (typeof v === 'string') return `string of length ${v.length}`
  if (typeof v === 'bigint') return `bigint ${v}`
  if (v === null) return 'null'
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : `${typeof v} ${String(v)}`
}

/** Number of Unicode code points, which is what VARCHAR(n) counts under utf8mb4. */
function codePoints(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

export const col = {
  tinyint: <N extends boolean = false>(o?: Base<N> & { unsigned?: boolean }) =>
    intColumn('tinyint', o?.unsigned ?? false, o?.nullable ?? false) as Column<Nullable<number, N>>,
  smallint: <N extends boolean = false>(o?: Base<N> & { unsigned?: boolean }) =>
    intColumn('smallint', o?.unsigned ?? false, o?.nullable ?? false) as Column<Nullable<number, N>>,
  int: <N extends boolean = false>(o?: Base<N> & { unsigned?: boolean }) =>
    intColumn('int', o?.unsigned ?? false, o?.nullable ?? false) as Column<Nullable<number, N>>,

  /** 64-bit integer held as a JS bigint (ids, currencies that outgrow 2^53). */
  bigint: <N extends boolean = false>(o?: Base<N> & { unsigned?: boolean }) => {
    const unsigned = o?.unsigned ?? false
    const min = unsigned ? 0n : I64_MIN
    const max = unsigned ? U64_MAX : I64_MAX
    return wrapNull<bigint>(o?.nullable ?? false, {
      kind: 'bigint',
      sqlType: `BIGINT${unsigned ? ' UNSIGNED' : ''} NOT NULL DEFAULT 0`,
      initial: () => 0n,
      check(v) {
        if (typeof v !== 'bigint') return `expected a bigint, got ${describe(v)}`
        if (v < min || v > max)
          return `${v} is out of range for bigint${unsigned ? ' unsigned' : ''} [${min}, ${max}]`
        return undefined
      },
      toDb: (v) => v,
      fromDb: (raw) => BigInt(raw as string | number),
    }) as Column<Nullable<bigint, N>>
  },

  double: <N extends boolean = false>(o?: Base<N>) =>
    wrapNull<number>(o?.nullable ?? false, {
      kind: 'double',
      sqlType: 'DOUBLE NOT NULL DEFAULT 0',
      initial: () => 0,
      check: (v) =>
        typeof v === 'number' && Number.isFinite(v)
          ? undefined
          : `expected a finite number, got ${describe(v)}`,
      toDb: (v) => v,
      fromDb: (raw) => Number(raw),
    }) as Column<Nullable<number, N>>,

  bool: <N extends boolean = false>(o?: Base<N>) =>
    wrapNull<boolean>(o?.nullable ?? false, {
      kind: 'bool',
      sqlType: 'TINYINT(1) NOT NULL DEFAULT 0',
      initial: () => false,
      check: (v) => (typeof v === 'boolean' ? undefined : `expected a boolean, got ${describe(v)}`),
      toDb: (v) => (v ? 1 : 0),
      fromDb: (raw) => Number(raw) !== 0,
    }) as Column<Nullable<boolean, N>>,

  /** VARCHAR(length): length counts characters (code points), as utf8mb4 does. */
  varchar: <N extends boolean = false>(length: number, o?: Base<N>) => {
    if (!Number.isInteger(length) || length < 1 || length > 16383)
      throw new RangeError(`varchar length ${length}`)
    return wrapNull<string>(o?.nullable ?? false, {
      kind: 'varchar',
      sqlType: `VARCHAR(${length}) NOT NULL DEFAULT ''`,
      initial: () => '',
      check(v) {
        if (typeof v !== 'string') return `expected a string, got ${describe(v)}`
        const bad = loneSurrogate(v)
        if (bad !== undefined) return bad
        if (v.length > length && codePoints(v) > length)
          return `string of ${codePoints(v)} characters is longer than varchar(${length})`
        return undefined
      },
      toDb: (v) => v,
      fromDb: (raw) => String(raw),
    }) as Column<Nullable<string, N>>
  },

  /** TEXT: up to 65,535 bytes of UTF-8. */
  text: <N extends boolean = false>(o?: Base<N>) =>
    wrapNull<string>(o?.nullable ?? false, {
      kind: 'text',
      sqlType: "TEXT NOT NULL DEFAULT ''",
      initial: () => '',
      check(v) {
        if (typeof v !== 'string') return `expected a string, got ${describe(v)}`
        const bad = loneSurrogate(v)
        if (bad !== undefined) return bad
        const bytes = Buffer.byteLength(v)
        return bytes > 65535 ? `string of ${bytes} bytes is longer than text (65535 bytes)` : undefined
      },
      toDb: (v) => v,
      fromDb: (raw) => String(raw),
    }) as Column<Nullable<string, N>>,

  /** Binary data, BLOB (64 KiB) or MEDIUMBLOB (16 MiB) depending on maxBytes. */
  blob: <N extends boolean = false>(o?: Base<N> & { maxBytes?: number }) => {
    const maxBytes = o?.maxBytes ?? 65535
    const type = maxBytes <= 65535 ? 'BLOB' : 'MEDIUMBLOB'
    return wrapNull<Buffer>(o?.nullable ?? false, {
      kind: 'blob',
      sqlType: `${type} NOT NULL DEFAULT ''`,
      initial: () => Buffer.alloc(0),
      check(v) {
        if (!(v instanceof Uint8Array)) return `expected a Buffer, got ${describe(v)}`
        return v.byteLength > maxBytes
          ? `${v.byteLength} bytes is longer than the ${maxBytes} allowed`
          : undefined
      },
      toDb: (v) => v,
      fromDb: (raw) => (Buffer.isBuffer(raw) ? raw : Buffer.from(raw as string)),
    }) as Column<Nullable<Buffer, N>>
  },

  /**
   * Any JSON value. The row sees only assignments: after mutating an object
   * in place, assign it back (or call touch) so the column is marked dirty.
   */
  json: <T = unknown, N extends boolean = false>(o?: Base<N> & { maxBytes?: number; initial?: () => T }) => {
    const maxBytes = o?.maxBytes ?? 1 << 20
    return wrapNull<T>(o?.nullable ?? false, {
      kind: 'json',
      sqlType: "LONGTEXT NOT NULL DEFAULT 'null'",
      initial: o?.initial ?? (() => null as T),
      check(v) {
        let s: string | undefined
        try {
          s = JSON.stringify(v)
        } catch (err) {
          return `not serialisable as JSON: ${(err as Error).message}`
        }
        if (s === undefined) return `not serialisable as JSON: ${describe(v)}`
        return s.length > maxBytes && Buffer.byteLength(s) > maxBytes
          ? `JSON of ${Buffer.byteLength(s)} bytes is longer than the ${maxBytes} allowed`
          : undefined
      },
      toDb: (v) => JSON.stringify(v),
      fromDb: (raw) => JSON.parse(String(raw)) as T,
    }) as Column<Nullable<T, N>>
  },
}

export type ValueOf<C> = C extends Column<infer T> ? T : never

/**
 * A lone UTF-16 surrogate has no UTF-8 form: the driver would store U+FFFD
 * in its place and the value read back would differ from the one written.
 */
const SURROGATE = /[\uD800-\uDFFF]/

function loneSurrogate(v: string): string | undefined {
  if (!SURROGATE.test(v)) return undefined
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = v.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++
        continue
      }
    }
    if (c >= 0xd800 && c <= 0xdfff)
      return `lone UTF-16 surrogate U+${c.toString(16).toUpperCase()} at index ${i} has no UTF-8 form`
  }
  return undefined
}
