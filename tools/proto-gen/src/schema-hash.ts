import { createHash } from 'node:crypto'
import type { SchemaModel } from './schema-model.js'

/**
 * The canonical text of a schema: everything that changes the wire or the
 * generated API (names, msg ids, field numbers, types, labels, enum
 * values), sorted, and nothing that does not (comments, file layout, NoLog
 * flags, declaration order). Documented in docs/protocol.md so another
 * implementation can compute the same hash.
 */
export function canonicalSchema(model: SchemaModel): string {
  const lines: string[] = []
  for (const e of [...model.enums].sort((a, b) => cmp(a.fullName, b.fullName))) {
    lines.push(`enum ${e.fullName}`)
    for (const v of e.values) lines.push(`  ${v.name}=${v.value}`)
  }
  for (const m of [...model.messages].sort((a, b) => cmp(a.fullName, b.fullName))) {
    lines.push(`message ${m.fullName} id=${m.msgId}`)
    for (const f of [...m.fields].sort((a, b) => a.id - b.id)) {
      const label = f.repeated ? 'repeated' : f.optional ? 'optional' : 'singular'
      lines.push(`  ${f.id} ${label} ${f.type} ${f.protoName}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** SHA-256 of {@link canonicalSchema}, lowercase hex. */
export function schemaHash(model: SchemaModel): string {
  return createHash('sha256').update(canonicalSchema(model), 'utf8').digest('hex')
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
