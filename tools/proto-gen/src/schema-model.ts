import path from 'node:path'
import { FIRST_GAME_MSG_ID } from '@tessera/wire/frame'
import pb from 'protobufjs'
import { ProtoGenError } from './errors.js'

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes'

const SCALARS = new Set<string>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
])

export interface FieldModel {
  /** Name in the .proto (snake_case). */
  protoName: string
  /** Property name in TypeScript (camelCase, as protobufjs would name it). */
  tsName: string
  id: number
  kind: 'scalar' | 'enum' | 'message'
  /** Scalar type, or the full name of the enum or message. */
  type: string
  repeated: boolean
  /** proto3 `optional`: explicit presence, `undefined` when absent. */
  optional: boolean
  comment: string | null
}

export interface MessageModel {
  fullName: string
  tsName: string
  /** Proto file, relative to proto/. */
  file: string
  msgId: number
  noLogReq: boolean
  noLogRes: boolean
  serverOnly: boolean
  fields: FieldModel[]
  comment: string | null
}

export interface EnumModel {
  fullName: string
  tsName: string
  file: string
  values: { name: string; value: number; comment: string | null }[]
  comment: string | null
}

export interface SchemaModel {
  messages: MessageModel[]
  enums: EnumModel[]
}

/** Control messages live in this package and only there may use ids below {@link FIRST_GAME_MSG_ID}. */
export const PLATFORM_PACKAGE = 'tessera'
const MAX_ID = 0xffffffff

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
}

function fullName(obj: pb.ReflectionObject): string {
  return obj.fullName.replace(/^\./, '')
}

/** `pkg.Outer.Inner` → `Outer_Inner`: packages are dropped, nesting joined. */
function tsNameOf(obj: pb.ReflectionObject): string {
  const parts: string[] = []
  let o: pb.ReflectionObject | null = obj
  while (o && (o instanceof pb.Type || o instanceof pb.Enum)) {
    parts.unshift(o.name)
    o = o.parent
  }
  return parts.join('_')
}

function option(t: pb.Type, name: string): unknown {
  return t.options?.[`(tessera.${name})`]
}

function relFile(protoDir: string, file: string | null): string {
  if (!file) throw new ProtoGenError('a proto element has no source file')
  return path.relative(protoDir, file).split(path.sep).join('/')
}

function collect(ns: pb.NamespaceBase, types: pb.Type[], enums: pb.Enum[]): void {
  for (const nested of ns.nestedArray) {
    if (nested instanceof pb.Type) {
      types.push(nested)
      collect(nested, types, enums)
    } else if (nested instanceof pb.Enum) enums.push(nested)
    else if (nested instanceof pb.Namespace) collect(nested, types, enums)
  }
}

function fieldModel(t: pb.Type, f: pb.Field): FieldModel {
  const where = `${fullName(t)}.${f.name}`
  if (f instanceof pb.MapField)
    throw new ProtoGenError(`${where}: map fields are not supported; use a repeated entry message`)
  const proto3Optional = f.options?.proto3_optional === true
  if (f.partOf && !proto3Optional)
    throw new ProtoGenError(`${where}: oneof is not supported; use proto3 optional fields`)
  if (f.rule === 'required') throw new ProtoGenError(`${where}: required fields are not supported`)
  if ((f.resolvedType as { group?: boolean } | null)?.group)
    throw new ProtoGenError(`${where}: groups are not supported`)
  let kind: FieldModel['kind']
  let type: string
  if (SCALARS.has(f.type)) {
    kind = 'scalar'
    type = f.type
  } else if (f.resolvedType instanceof pb.Enum) {
    kind = 'enum'
    type = fullName(f.resolvedType)
  } else if (f.resolvedType instanceof pb.Type) {
    kind = 'message'
    type = fullName(f.resolvedType)
  } else throw new ProtoGenError(`${where}: cannot resolve type ${f.type}`)
  if (proto3Optional && f.repeated) throw new ProtoGenError(`${where}: optional repeated`)
  return {
    protoName: f.name,
    tsName: camel(f.name),
    id: f.id,
    kind,
    type,
    repeated: f.repeated,
    optional: proto3Optional,
    comment: f.comment ?? null,
  }
}

function flag(t: pb.Type, name: string): boolean {
  const v = option(t, name)
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw new ProtoGenError(`${fullName(t)}: (tessera.${name}) must be a bool`)
  return v
}

function messageModel(protoDir: string, t: pb.Type): MessageModel {
  const name = fullName(t)
  const rawId = option(t, 'msg_id')
  const msgId = rawId === undefined ? 0 : Number(rawId)
  if (!Number.isInteger(msgId) || msgId < 0 || msgId > MAX_ID)
    throw new ProtoGenError(`${name}: bad msg_id ${rawId}`)
  const platform = name.startsWith(`${PLATFORM_PACKAGE}.`)
  if (msgId !== 0 && platform && msgId >= FIRST_GAME_MSG_ID)
    throw new ProtoGenError(
      `${name}: platform messages use msg ids 1..${FIRST_GAME_MSG_ID - 1}, got ${msgId}`,
    )
  if (msgId !== 0 && !platform && msgId < FIRST_GAME_MSG_ID)
    throw new ProtoGenError(`${name}: game messages use msg ids >= ${FIRST_GAME_MSG_ID}, got ${msgId}`)
  const m: MessageModel = {
    fullName: name,
    tsName: tsNameOf(t),
    file: relFile(protoDir, t.filename),
    msgId,
    noLogReq: flag(t, 'no_log_req'),
    noLogRes: flag(t, 'no_log_res'),
    serverOnly: flag(t, 'server_only'),
    fields: [...t.fieldsArray].sort((a, b) => a.id - b.id).map((f) => fieldModel(t, f)),
    comment: t.comment ?? null,
  }
  if (msgId === 0 && (m.noLogReq || m.noLogRes))
    throw new ProtoGenError(`${name}: no_log options need a msg_id (they apply to whole frames)`)
  return m
}

function enumModel(protoDir: string, e: pb.Enum): EnumModel {
  const values = Object.entries(e.values)
    .map(([name, value]) => ({ name, value, comment: e.comments[name] ?? null }))
    .sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : 1))
  if (values[0]?.value !== 0) throw new ProtoGenError(`${fullName(e)}: a proto3 enum's first value must be 0`)
  return {
    fullName: fullName(e),
    tsName: tsNameOf(e),
    file: relFile(protoDir, e.filename),
    values,
    comment: e.comment ?? null,
  }
}

/**
 * Turn a resolved Root into the generator's model, checking what the
 * platform requires: unique msg ids in the right range, unique TypeScript
 * names, and client messages that never reference server-only ones.
 */
export function buildModel(protoDir: string, root: pb.Root): SchemaModel {
  const types: pb.Type[] = []
  const pbEnums: pb.Enum[] = []
  collect(root, types, pbEnums)
  const messages = types
    .filter((t) => !fullName(t).startsWith('google.'))
    .map((t) => messageModel(protoDir, t))
    .sort((a, b) => (a.fullName < b.fullName ? -1 : 1))
  const enums = pbEnums
    .filter((e) => !fullName(e).startsWith('google.'))
    .map((e) => enumModel(protoDir, e))
    .sort((a, b) => (a.fullName < b.fullName ? -1 : 1))

  const names = new Map<string, string>()
  for (const x of [...messages, ...enums]) {
    const prev = names.get(x.tsName)
    if (prev)
      throw new ProtoGenError(`${prev} and ${x.fullName} would both be named ${x.tsName} in TypeScript`)
    names.set(x.tsName, x.fullName)
  }
  for (const reserved of [
    'MsgId',
    'MessageMap',
    'registry',
    'SCHEMA_HASH',
    'FULL_SCHEMA_HASH',
    'messageTypes',
  ])
    if (names.has(reserved))
      throw new ProtoGenError(`${names.get(reserved)}: the name ${reserved} is reserved`)

  const ids = new Map<number, string>()
  for (const m of messages) {
    if (m.msgId === 0) continue
    const prev = ids.get(m.msgId)
    if (prev) throw new ProtoGenError(`msg id ${m.msgId} is used by both ${prev} and ${m.fullName}`)
    ids.set(m.msgId, m.fullName)
  }
  if (!messages.some((m) => m.fullName === `${PLATFORM_PACKAGE}.ErrorReply` && m.msgId !== 0))
    throw new ProtoGenError(`${PLATFORM_PACKAGE}.ErrorReply with a msg_id is required (body of ERROR frames)`)

  const byName = new Map(messages.map((m) => [m.fullName, m]))
  for (const m of messages) {
    if (m.serverOnly) continue
    for (const f of m.fields)
      if (f.kind === 'message' && byName.get(f.type)?.serverOnly)
        throw new ProtoGenError(
          `${m.fullName}.${f.protoName}: client-visible message uses server-only ${f.type}`,
        )
  }
  return { messages, enums }
}

/**
 * The model a client sees: server-only messages removed, and so are types
 * (messages without an id, enums) that no client message reaches, so
 * cluster-internal structures stay out of client bundles.
 */
export function clientModel(model: SchemaModel): SchemaModel {
  const byName = new Map(model.messages.map((m) => [m.fullName, m]))
  const keep = new Set<string>()
  const visit = (m: MessageModel): void => {
    if (keep.has(m.fullName)) return
    keep.add(m.fullName)
    for (const f of m.fields) {
      if (f.kind === 'enum') keep.add(f.type)
      else if (f.kind === 'message') visit(byName.get(f.type)!)
    }
  }
  for (const m of model.messages) if (m.msgId !== 0 && !m.serverOnly) visit(m)
  return {
    messages: model.messages.filter((m) => keep.has(m.fullName)),
    enums: model.enums.filter((e) => keep.has(e.fullName)),
  }
}
