import type { FieldModel, ScalarType } from './schema-model.js'

// Per-type facts the emitter needs: wire type, TypeScript type, default,
// and the straight-line read/write expressions (no reflection at run time).

interface ScalarInfo {
  wire: 0 | 1 | 2 | 5
  ts: string
  zero: string
  write: (v: string) => string
  read: string
  /** Presence test for an implicit-presence (proto3 singular) field. */
  present: (v: string) => string
  packable: boolean
}

const truthy = (v: string): string => v
const nonZeroFloat = (v: string): string => `${v} !== 0 && ${v} != null`
const method = (name: string) => (v: string) => `w.${name}(${v})`
const helper = (name: string) => (v: string) => `${name}(w, ${v})`

export const SCALAR_INFO: Record<ScalarType, ScalarInfo> = {
  double: {
    wire: 1,
    ts: 'number',
    zero: '0',
    write: method('double'),
    read: 'r.double()',
    present: nonZeroFloat,
    packable: true,
  },
  float: {
    wire: 5,
    ts: 'number',
    zero: '0',
    write: method('float'),
    read: 'r.float()',
    present: nonZeroFloat,
    packable: true,
  },
  int32: {
    wire: 0,
    ts: 'number',
    zero: '0',
    write: method('int32'),
    read: 'r.int32()',
    present: truthy,
    packable: true,
  },
  uint32: {
    wire: 0,
    ts: 'number',
    zero: '0',
    write: method('uint32'),
    read: 'r.uint32()',
    present: truthy,
    packable: true,
  },
  sint32: {
    wire: 0,
    ts: 'number',
    zero: '0',
    write: method('sint32'),
    read: 'r.sint32()',
    present: truthy,
    packable: true,
  },
  fixed32: {
    wire: 5,
    ts: 'number',
    zero: '0',
    write: method('fixed32'),
    read: 'r.fixed32()',
    present: truthy,
    packable: true,
  },
  sfixed32: {
    wire: 5,
    ts: 'number',
    zero: '0',
    write: method('sfixed32'),
    read: 'r.sfixed32()',
    present: truthy,
    packable: true,
  },
  int64: {
    wire: 0,
    ts: 'bigint',
    zero: '0n',
    write: helper('writeInt64'),
    read: 'readInt64(r)',
    present: truthy,
    packable: true,
  },
  uint64: {
    wire: 0,
    ts: 'bigint',
    zero: '0n',
    write: helper('writeUint64'),
    read: 'readUint64(r)',
    present: truthy,
    packable: true,
  },
  sint64: {
    wire: 0,
    ts: 'bigint',
    zero: '0n',
    write: helper('writeSint64'),
    read: 'readSint64(r)',
    present: truthy,
    packable: true,
  },
  fixed64: {
    wire: 1,
    ts: 'bigint',
    zero: '0n',
    write: helper('writeFixed64'),
    read: 'readFixed64(r)',
    present: truthy,
    packable: true,
  },
  sfixed64: {
    wire: 1,
    ts: 'bigint',
    zero: '0n',
    write: helper('writeSfixed64'),
    read: 'readSfixed64(r)',
    present: truthy,
    packable: true,
  },
  bool: {
    wire: 0,
    ts: 'boolean',
    zero: 'false',
    write: method('bool'),
    read: 'r.bool()',
    present: truthy,
    packable: true,
  },
  string: {
    wire: 2,
    ts: 'string',
    zero: "''",
    write: method('string'),
    read: 'r.string()',
    present: truthy,
    packable: false,
  },
  bytes: {
    wire: 2,
    ts: 'Uint8Array',
    zero: 'EMPTY_BYTES',
    write: method('bytes'),
    read: 'readBytes(r)',
    present: (v) => `${v} != null && ${v}.length !== 0`,
    packable: false,
  },
}

/** Resolves a full proto name to its TypeScript name. */
export type NameOf = (fullName: string) => string

export function tag(id: number, wire: number): number {
  return ((id << 3) | wire) >>> 0
}

export function elementTs(f: FieldModel, nameOf: NameOf): string {
  return f.kind === 'scalar' ? SCALAR_INFO[f.type as ScalarType].ts : nameOf(f.type)
}

export function fieldTs(f: FieldModel, nameOf: NameOf): string {
  const el = elementTs(f, nameOf)
  return f.repeated ? `${el}[]` : el
}

/** The property as it appears in a freshly decoded or created message. */
export function fieldDefault(f: FieldModel): string {
  if (f.repeated) return '[]'
  if (f.optional || f.kind === 'message') return 'undefined'
  if (f.kind === 'enum') return '0'
  return SCALAR_INFO[f.type as ScalarType].zero
}

export function isOptionalProp(f: FieldModel): boolean {
  return !f.repeated && (f.optional || f.kind === 'message')
}

function scalarLike(f: FieldModel): ScalarInfo {
  if (f.kind === 'enum') return { ...SCALAR_INFO.int32, write: method('int32') }
  return SCALAR_INFO[f.type as ScalarType]
}

/** Statements that write field `f` of message `m` to writer `w`. */
export function writeField(f: FieldModel, nameOf: NameOf): string[] {
  const v = `m.${f.tsName}`
  if (f.kind === 'message') {
    const call = (x: string) =>
      `w.uint32(${tag(f.id, 2)}).fork(); write${nameOf(f.type)}(${x}, w, depth + 1); w.ldelim()`
    if (f.repeated)
      return [
        `const ${f.tsName} = ${v}`,
        `if (${f.tsName} != null) for (let i = 0; i < ${f.tsName}.length; i++) { ${call(`${f.tsName}[i]!`)} }`,
      ]
    return [`if (${v} != null) { ${call(v)} }`]
  }
  const info = scalarLike(f)
  if (f.repeated) {
    const loopVar = `${f.tsName}[i]!`
    if (info.packable)
      return [
        `const ${f.tsName} = ${v}`,
        `if (${f.tsName} != null && ${f.tsName}.length !== 0) {`,
        `  w.uint32(${tag(f.id, 2)}).fork()`,
        `  for (let i = 0; i < ${f.tsName}.length; i++) ${info.write(loopVar)}`,
        '  w.ldelim()',
        '}',
      ]
    return [
      `const ${f.tsName} = ${v}`,
      `if (${f.tsName} != null) for (let i = 0; i < ${f.tsName}.length; i++) { w.uint32(${tag(f.id, info.wire)}); ${info.write(loopVar)} }`,
    ]
  }
  const test = f.optional ? `${v} != null` : info.present(v)
  return [`if (${test}) { w.uint32(${tag(f.id, info.wire)}); ${info.write(v)} }`]
}

/** `case` clauses that read field `f` into message `m` (several when packed and unpacked are both legal). */
export function readField(f: FieldModel, nameOf: NameOf): string[] {
  const p = `m.${f.tsName}`
  if (f.kind === 'message') {
    const read = `read${nameOf(f.type)}(r, subEnd(r, end), depth + 1)`
    return [`case ${tag(f.id, 2)}: ${f.repeated ? `${p}.push(${read})` : `${p} = ${read}`}; break`]
  }
  const info = scalarLike(f)
  const read = f.kind === 'enum' ? `r.int32() as ${nameOf(f.type)}` : info.read
  if (!f.repeated) return [`case ${tag(f.id, info.wire)}: ${p} = ${read}; break`]
  const out = [`case ${tag(f.id, info.wire)}: ${p}.push(${read}); break`]
  if (info.packable)
    out.push(
      `case ${tag(f.id, 2)}: { const e = subEnd(r, end); while (r.pos < e) ${p}.push(${read}); checkEnd(r, e); break }`,
    )
  return out
}
