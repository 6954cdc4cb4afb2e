import type { FieldModel, MessageModel } from '@tessera/proto-gen'

/**
 * One field as the contract records it. `type` is the scalar name,
 * `enum <full name>` or `message <full name>`; proto3 `optional` is left out
 * because toggling it does not change the wire format.
 */
export interface FieldSpec {
  name: string
  type: string
  repeated?: true
}

/** Message full name → field number (decimal) → field. */
export type FieldTable = Record<string, Record<string, FieldSpec>>

/** A field change that breaks peers running the other release; `--write` refuses it. */
export type FieldViolation =
  | { code: 'field-retyped'; message: string; number: number; was: FieldSpec; now: FieldSpec }
  | { code: 'field-renumbered'; message: string; name: string; was: number; now: number }
  | { code: 'field-reused'; message: string; number: number; was: FieldSpec; now: FieldSpec }

/** A wire-compatible field change the snapshot does not record yet. */
export type FieldDrift =
  | { code: 'field-added'; message: string; number: number; now: FieldSpec }
  | { code: 'field-removed'; message: string; number: number; was: FieldSpec }
  | { code: 'field-changed'; message: string; number: number; was: FieldSpec; now: FieldSpec }

// Types that decode each other's bytes (protobuf's "updating a message type"
// rules): a field may move inside its group and nowhere else.
const WIRE_GROUP: Record<string, string> = {
  int32: 'varint',
  uint32: 'varint',
  int64: 'varint',
  uint64: 'varint',
  bool: 'varint',
  sint32: 'zigzag',
  sint64: 'zigzag',
  fixed32: 'fixed32',
  sfixed32: 'fixed32',
  fixed64: 'fixed64',
  sfixed64: 'fixed64',
  float: 'float',
  double: 'double',
  string: 'text',
  bytes: 'text',
}

function wireGroup(type: string): string {
  if (type.startsWith('enum ')) return 'varint'
  return WIRE_GROUP[type] ?? type // a message type is compatible only with itself
}

/** Whether data written as `was` still decodes as `now`. */
export function wireCompatible(was: FieldSpec, now: FieldSpec): boolean {
  return Boolean(was.repeated) === Boolean(now.repeated) && wireGroup(was.type) === wireGroup(now.type)
}

export function fieldSpec(f: FieldModel): FieldSpec {
  const type = f.kind === 'scalar' ? f.type : `${f.kind} ${f.type}`
  return f.repeated ? { name: f.protoName, type, repeated: true } : { name: f.protoName, type }
}

/** The field table of every message in the model, ids or not (nested messages travel too). */
export function fieldTable(messages: MessageModel[]): FieldTable {
  const table: FieldTable = {}
  for (const m of [...messages].sort((a, b) => (a.fullName < b.fullName ? -1 : 1)))
    table[m.fullName] = Object.fromEntries(m.fields.map((f) => [String(f.id), fieldSpec(f)]))
  return table
}

const same = (a: FieldSpec, b: FieldSpec) =>
  a.name === b.name && a.type === b.type && Boolean(a.repeated) === Boolean(b.repeated)

/** Compare the current fields with the recorded ones (`retired`: removed fields, never to be reused). */
export function compareFields(
  recorded: FieldTable,
  retired: FieldTable,
  current: FieldTable,
): { violations: FieldViolation[]; drift: FieldDrift[] } {
  const violations: FieldViolation[] = []
  const drift: FieldDrift[] = []
  const names = new Set([...Object.keys(recorded), ...Object.keys(current)])
  for (const message of [...names].sort()) {
    const was = recorded[message] ?? {}
    const now = current[message] ?? {}
    const gone = retired[message] ?? {}
    const numberNow = new Map(Object.entries(now).map(([n, f]) => [f.name, Number(n)]))
    const moved = new Set<number>()
    for (const [n, w] of Object.entries(was)) {
      const to = numberNow.get(w.name)
      if (to !== undefined && to !== Number(n) && !was[String(to)]) {
        violations.push({ code: 'field-renumbered', message, name: w.name, was: Number(n), now: to })
        moved.add(to)
      }
    }
    for (const [n, w] of Object.entries(was)) {
      const c = now[n]
      const number = Number(n)
      if (!c) {
        if (!numberNow.has(w.name)) drift.push({ code: 'field-removed', message, number, was: w })
      } else if (!wireCompatible(w, c))
        violations.push({ code: 'field-retyped', message, number, was: w, now: c })
      else if (!same(w, c)) drift.push({ code: 'field-changed', message, number, was: w, now: c })
    }
    for (const [n, c] of Object.entries(now)) {
      const number = Number(n)
      if (was[n] || moved.has(number)) continue
      const old = gone[n]
      if (old && (old.name !== c.name || !wireCompatible(old, c)))
        violations.push({ code: 'field-reused', message, number, was: old, now: c })
      else drift.push({ code: 'field-added', message, number, now: c })
    }
  }
  return { violations, drift }
}

/** The tables with the drift recorded: removed fields are retired, a returning one is live again. */
export function recordFieldDrift(
  recorded: FieldTable,
  retired: FieldTable,
  drift: FieldDrift[],
): { fields: FieldTable; retiredFields: FieldTable } {
  const fields = structuredClone(recorded)
  const gone = structuredClone(retired)
  for (const d of drift) {
    const n = String(d.number)
    if (d.code === 'field-removed') {
      delete fields[d.message]?.[n]
      if (fields[d.message] && Object.keys(fields[d.message]!).length === 0) delete fields[d.message]
      gone[d.message] = { ...gone[d.message], [n]: d.was }
    } else {
      fields[d.message] = { ...fields[d.message], [n]: d.now }
      if (gone[d.message]?.[n]) delete gone[d.message]![n]
      if (gone[d.message] && Object.keys(gone[d.message]!).length === 0) delete gone[d.message]
    }
  }
  return { fields: sortTable(fields), retiredFields: sortTable(gone) }
}

const show = (f: FieldSpec) => `${f.repeated ? 'repeated ' : ''}${f.type} ${f.name}`

/** One line per finding. */
export function describeField(x: FieldViolation | FieldDrift): string {
  switch (x.code) {
    case 'field-retyped':
      return `field retyped: ${x.message} field ${x.number} was \`${show(x.was)}\`, now \`${show(x.now)}\` (not wire-compatible; add a new field instead)`
    case 'field-renumbered':
      return `field renumbered: ${x.message}.${x.name} had number ${x.was}, now ${x.now} (a field keeps its number for life)`
    case 'field-reused':
      return `field reused: ${x.message} field ${x.number} was removed as \`${show(x.was)}\`, now \`${show(x.now)}\` (retired numbers stay retired; use a new number)`
    case 'field-added':
      return `not recorded: ${x.message} field ${x.number} \`${show(x.now)}\` is new`
    case 'field-removed':
      return `not recorded: ${x.message} field ${x.number} \`${show(x.was)}\` was removed; its number is to be retired`
    case 'field-changed':
      return `not recorded: ${x.message} field ${x.number} changed from \`${show(x.was)}\` to \`${show(x.now)}\``
  }
}

function sortTable(t: FieldTable): FieldTable {
  const out: FieldTable = {}
  for (const m of Object.keys(t).sort())
    out[m] = Object.fromEntries(Object.entries(t[m]!).sort(([a], [b]) => Number(a) - Number(b)))
  return out
}
