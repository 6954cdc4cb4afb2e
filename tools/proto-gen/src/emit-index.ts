import { HEADER, outPath } from './emit-file.js'
import type { SchemaModel } from './schema-model.js'

function withIds(model: SchemaModel) {
  return model.messages.filter((m) => m.msgId !== 0).sort((a, b) => a.msgId - b.msgId)
}

export function emitMsgId(model: SchemaModel): string {
  const ms = withIds(model)
  return [
    HEADER,
    '',
    '/** Wire message ids (frame header bytes 2-5): 1..999 platform control, 1000+ game. */',
    'export const MsgId = {',
    ...ms.map((m) => `  ${m.tsName}: ${m.msgId},`),
    '} as const',
    'export type MsgId = (typeof MsgId)[keyof typeof MsgId]',
    '',
  ].join('\n')
}

/** `runtimeImport`: the runtime's index, relative to the output root (e.g. `../runtime/index.js`). */
export function emitRegistry(model: SchemaModel, runtimeImport: string): string {
  const ms = withIds(model)
  const files = new Map<string, string[]>()
  for (const m of ms) files.set(m.file, [...(files.get(m.file) ?? []), m.tsName])
  const imports = [...files.keys()]
    .sort()
    .map(
      (f) => `import { ${files.get(f)!.sort().join(', ')} } from './${outPath(f).replace(/\.ts$/, '.js')}'`,
    )
  const errorReply = ms.find((m) => m.fullName === 'tessera.ErrorReply')!
  return [
    HEADER,
    '',
    `import { MessageRegistry, type MessageType } from '${runtimeImport}'`,
    ...imports,
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

export function emitSchema(clientHash: string, fullHash: string | null): string {
  const lines = [
    HEADER,
    '',
    '/**',
    ' * SHA-256 (hex) of the canonical client-visible schema (server-only messages',
    ' * left out). Sent in Handshake.schema_hash; a mismatch is WIRE_SCHEMA_MISMATCH.',
    ' */',
    `export const SCHEMA_HASH = '${clientHash}'`,
  ]
  if (fullHash)
    lines.push(
      '',
      '/** SHA-256 (hex) of the whole schema, server-only messages included (service-to-service handshakes). */',
      `export const FULL_SCHEMA_HASH = '${fullHash}'`,
    )
  return `${lines.join('\n')}\n`
}

export function emitIndex(modules: string[]): string {
  return [HEADER, '', ...modules.map((m) => `export * from './${m.replace(/\.ts$/, '.js')}'`), ''].join('\n')
}
