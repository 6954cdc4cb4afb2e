import path from 'node:path'
import { buildModel, loadSchema } from '@tessera/proto-gen'
import {
  compareFields,
  describeField,
  type FieldDrift,
  type FieldTable,
  type FieldViolation,
  fieldTable,
  recordFieldDrift,
} from './field-contract.js'

/**
 * The committed record of the wire contract: every message id the protocol
 * has handed out and every message's fields. Clients and servers of different
 * releases talk through these, so neither may change meaning: a message keeps
 * its id and a field its number and wire type for life, and the id or number
 * of something removed is retired, never given to another one.
 */
export interface ProtoContract {
  /** Live messages: id (decimal) → full proto name. */
  messages: Record<string, string>
  /** Ids of removed messages (id → the name it had); never to be used again. */
  retired: Record<string, string>
  /** Every message's fields (nested and id-less messages too). */
  fields: FieldTable
  /** Numbers of removed fields, per message; never to be used again. */
  retiredFields: FieldTable
}

/** What proto/ says today. */
export interface CurrentContract {
  ids: Map<number, string>
  fields: FieldTable
}

/** A change that breaks the wire contract; `--write` refuses to record it. */
export type ContractViolation =
  | { code: 'renumbered'; name: string; was: number; now: number }
  | { code: 'reused'; id: number; was: string; now: string; retired: boolean }
  | FieldViolation

/** A change the contract allows but the snapshot does not record yet. */
export type ContractDrift =
  | { code: 'added'; id: number; name: string }
  | { code: 'removed'; id: number; name: string }
  | FieldDrift

export interface ContractReport {
  violations: ContractViolation[]
  drift: ContractDrift[]
}

/** Message ids and fields of proto/. */
export function currentContract(protoDir: string): CurrentContract {
  const { root } = loadSchema(protoDir)
  const model = buildModel(protoDir, root)
  const ids = new Map<number, string>()
  for (const m of model.messages) if (m.msgId !== 0) ids.set(m.msgId, m.fullName)
  return { ids, fields: fieldTable(model.messages) }
}

/** Compare proto/ with the snapshot. */
export function compareContract(snapshot: ProtoContract, current: CurrentContract): ContractReport {
  const ids = compareMessageIds(snapshot, current.ids)
  const fields = compareFields(snapshot.fields, snapshot.retiredFields, current.fields)
  return { violations: [...ids.violations, ...fields.violations], drift: [...ids.drift, ...fields.drift] }
}

/** Compare the current message ids with the snapshot's. */
export function compareMessageIds(
  snapshot: Pick<ProtoContract, 'messages' | 'retired'>,
  current: Map<number, string>,
): { violations: ContractViolation[]; drift: ContractDrift[] } {
  const violations: ContractViolation[] = []
  const drift: ContractDrift[] = []
  const recordedIdOf = new Map<string, number>()
  for (const [id, name] of Object.entries(snapshot.messages)) recordedIdOf.set(name, Number(id))
  const currentIdOf = new Map<string, number>()
  for (const [id, name] of current) currentIdOf.set(name, id)

  for (const [name, was] of recordedIdOf) {
    const now = currentIdOf.get(name)
    if (now === undefined) drift.push({ code: 'removed', id: was, name })
    else if (now !== was) violations.push({ code: 'renumbered', name, was, now })
  }
  for (const [id, name] of current) {
    const live = snapshot.messages[String(id)]
    const retired = snapshot.retired[String(id)]
    const was = live ?? retired
    if (was !== undefined && was !== name)
      violations.push({ code: 'reused', id, was, now: name, retired: live === undefined })
    else if (was === undefined && !recordedIdOf.has(name)) drift.push({ code: 'added', id, name })
  }
  const order = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  return { violations: violations.sort(order), drift: drift.sort(order) }
}

/**
 * The snapshot with the drift recorded: added messages become live, removed
 * ones retired. Throws when the report has violations, so a renumbered or
 * reused id can never be laundered into the snapshot.
 */
export function recordDrift(snapshot: ProtoContract, report: ContractReport): ProtoContract {
  if (report.violations.length > 0)
    throw new Error(`refusing to record a broken contract:\n${describeReport(report).join('\n')}`)
  const messages = { ...snapshot.messages }
  const retired = { ...snapshot.retired }
  const fieldDrift: FieldDrift[] = []
  for (const d of report.drift) {
    if (d.code === 'added') messages[String(d.id)] = d.name
    else if (d.code === 'removed') {
      delete messages[String(d.id)]
      retired[String(d.id)] = d.name
    } else fieldDrift.push(d)
  }
  return {
    messages: sortById(messages),
    retired: sortById(retired),
    ...recordFieldDrift(snapshot.fields, snapshot.retiredFields, fieldDrift),
  }
}

/** One line per finding, for the terminal and the Jenkins log. */
export function describeReport(report: ContractReport): string[] {
  const lines: string[] = []
  for (const v of report.violations) {
    if (v.code.startsWith('field-')) lines.push(describeField(v as FieldViolation))
    else if (v.code === 'renumbered')
      lines.push(`renumbered: ${v.name} had msg id ${v.was}, now ${v.now} (a message keeps its id for life)`)
    else if (v.code === 'reused')
      lines.push(
        `reused: msg id ${v.id} belonged to ${v.was}${v.retired ? ' (retired)' : ''}, now used by ${v.now} (give ${v.now} a new id)`,
      )
  }
  for (const d of report.drift)
    lines.push(
      d.code === 'added'
        ? `not recorded: ${d.name} (msg id ${d.id}) is new`
        : d.code === 'removed'
          ? `not recorded: ${d.name} (msg id ${d.id}) was removed; its id is to be retired`
          : describeField(d),
    )
  return lines
}

export function emptySnapshot(): ProtoContract {
  return { messages: {}, retired: {}, fields: {}, retiredFields: {} }
}

/** Default locations inside the repository. */
export function contractPaths(repo: string): { protoDir: string; snapshot: string } {
  return {
    protoDir: path.join(repo, 'proto'),
    snapshot: path.join(repo, 'jenkins/contract/proto-contract.json'),
  }
}

function sortById(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => Number(a) - Number(b)))
}
