import { HEADER } from './emit-file.js'
import type { MessageModel, SchemaModel } from './schema-model.js'

// The index modules of a generated package. The client surface is a
// filtered re-export of the full modules (server-only messages are simply
// not named, so a bundler leaves them out); the server's id table,
// registry and hashes extend the client's instead of repeating it.

export function withIds(model: SchemaModel): MessageModel[] {
  return model.messages.filter((m) => m.msgId !== 0).sort((a, b) => a.msgId - b.msgId)
}

/** Everything a generated module exports for the types of `model` declared in `file`, sorted. */
export function exportedNames(model: SchemaModel, file: string): string[] {
  const names: string[] = []
  for (const m of model.messages)
    if (m.file === file) names.push(m.tsName, `read${m.tsName}`, `write${m.tsName}`)
  for (const e of model.enums) if (e.file === file) names.push(e.tsName)
  return names.sort()
}

/** `export { … } from '…'` lines naming only `model`'s types, per module specifier. */
export function emitReexports(model: SchemaModel, modules: [file: string, from: string][]): string[] {
  const out: string[] = []
  for (const [file, from] of modules) {
    const names = exportedNames(model, file)
    if (names.length > 0) out.push(`export { ${names.join(', ')} } from '${from}'`)
  }
  return out
}

/**
 * `import { … } from '…'` lines: the registry runtime, then the message
 * types of `ms` (`from(m)` is the module of each), one line per module.
 */
function importLines(runtime: string, ms: MessageModel[], from: (m: MessageModel) => string): string[] {
  const bySpec = new Map<string, string[]>([[runtime, ['MessageRegistry', 'type MessageType']]])
  for (const m of ms) bySpec.set(from(m), [...(bySpec.get(from(m)) ?? []), m.tsName])
  const key = (n: string) => n.replace(/^type /, '')
  return [...bySpec.keys()].sort().map((s) => {
    const names = bySpec.get(s)!.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    return `import { ${names.join(', ')} } from '${s}'`
  })
}

/** The client's id table: every client-visible message with an id. */
export function emitClientMsgId(client: SchemaModel): string {
  return [
    HEADER,
    '',
    '/** Wire message ids (frame header bytes 2-5): 1..999 platform control, 1000+ game. */',
    'export const MsgId = {',
    ...withIds(client).map((m) => `  ${m.tsName}: ${m.msgId},`),
    '} as const',
    'export type MsgId = (typeof MsgId)[keyof typeof MsgId]',
    '',
  ].join('\n')
}

/** The server's id table: the client's plus the server-only messages. */
export function emitServerMsgId(full: SchemaModel, clientMsgId: string): string {
  const serverOnly = withIds(full).filter((m) => m.serverOnly)
  return [
    HEADER,
    '',
    `import { MsgId as ClientMsgId } from '${clientMsgId}'`,
    '',
    '/** Wire message ids (frame header bytes 2-5), server-only messages included. */',
    'export const MsgId = {',
    '  ...ClientMsgId,',
    ...serverOnly.map((m) => `  ${m.tsName}: ${m.msgId},`),
    '} as const',
    'export type MsgId = (typeof MsgId)[keyof typeof MsgId]',
    '',
  ].join('\n')
}

/** The client registry: `from(m)` is the module each message type is imported from. */
export function emitClientRegistry(client: SchemaModel, runtime: string, from: (m: MessageModel) => string) {
  const ms = withIds(client)
  const errorReply = ms.find((m) => m.fullName === 'tessera.ErrorReply')!
  return [
    HEADER,
    '',
    ...importLines(runtime, ms, from),
    '',
    '/** Message type by wire id, for typed send/receive helpers. */',
    'export interface MessageMap {',
    ...ms.map((m) => `  ${m.msgId}: ${m.tsName}`),
    '}',
    '',
    '/** Every message with a msg id, ordered by id. */',
    'export const messageTypes: readonly MessageType[] = [',
    ...ms.map((m) => `  ${m.tsName},`),
    ']',
    '',
    '/** A registry of {@link messageTypes}; ERROR frames decode as ErrorReply. */',
    'export function createRegistry(): MessageRegistry {',
    `  return new MessageRegistry(messageTypes, ${errorReply.tsName})`,
    '}',
    '',
  ].join('\n')
}

/** The server registry: the client's plus the server-only messages. */
export function emitServerRegistry(
  full: SchemaModel,
  runtime: string,
  clientRegistry: string,
  from: (m: MessageModel) => string,
): string {
  const serverOnly = withIds(full).filter((m) => m.serverOnly)
  const errorReply = full.messages.find((m) => m.fullName === 'tessera.ErrorReply')!
  return [
    HEADER,
    '',
    `import { type MessageMap as ClientMessageMap, messageTypes as clientTypes } from '${clientRegistry}'`,
    ...importLines(runtime, [...serverOnly, errorReply], from),
    '',
    '/** Message type by wire id, server-only messages included. */',
    'export interface MessageMap extends ClientMessageMap {',
    ...serverOnly.map((m) => `  ${m.msgId}: ${m.tsName}`),
    '}',
    '',
    '/** Every message with a msg id, ordered by id. */',
    'export const messageTypes: readonly MessageType[] = [',
    '  ...clientTypes,',
    ...serverOnly.map((m) => `  ${m.tsName},`),
    '].sort((a, b) => a.msgId - b.msgId)',
    '',
    '/** A registry of {@link messageTypes}; ERROR frames decode as ErrorReply. */',
    'export function createRegistry(): MessageRegistry {',
    `  return new MessageRegistry(messageTypes, ${errorReply.tsName})`,
    '}',
    '',
  ].join('\n')
}

export function emitClientSchema(clientHash: string): string {
  return [
    HEADER,
    '',
    '/**',
    ' * SHA-256 (hex) of the canonical client-visible schema (server-only messages',
    ' * left out). Sent in Handshake.schema_hash; a mismatch is WIRE_SCHEMA_MISMATCH.',
    ' */',
    `export const SCHEMA_HASH = '${clientHash}'`,
    '',
  ].join('\n')
}

export function emitServerSchema(fullHash: string, clientSchema: string): string {
  return [
    HEADER,
    '',
    `export { SCHEMA_HASH } from '${clientSchema}'`,
    '',
    '/** SHA-256 (hex) of the whole schema, server-only messages included (service-to-service handshakes). */',
    `export const FULL_SCHEMA_HASH = '${fullHash}'`,
    '',
  ].join('\n')
}

/** `export *` of each module specifier, plus any extra lines (filtered re-exports). */
export function emitIndex(modules: string[], extra: string[] = []): string {
  return [HEADER, '', ...extra, ...modules.map((m) => `export * from '${m}'`), ''].join('\n')
}
