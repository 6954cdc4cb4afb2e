import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { emitFile, outPath, relImport } from './emit-file.js'
import {
  emitClientMsgId,
  emitClientRegistry,
  emitClientSchema,
  emitIndex,
  emitReexports,
  emitServerMsgId,
  emitServerRegistry,
  emitServerSchema,
} from './emit-index.js'
import { ProtoGenError } from './errors.js'
import { loadSchema } from './load-schema.js'
import { schemaHash } from './schema-hash.js'
import {
  buildModel,
  clientModel,
  type MessageModel,
  PLATFORM_PACKAGE,
  type SchemaModel,
} from './schema-model.js'

/** Generated files, path (relative to the repository root, `/`-separated) → content. */
export type GeneratedFiles = Map<string, string>

export interface GenerateOptions {
  /** The proto/ folder. */
  protoDir: string
}

/**
 * Where generated code goes. The platform's own messages (package
 * `tessera`) go to @tessera/wire, beside the runtime, so the kernel can
 * import them; game messages go to @tessera/protocol, which builds on it.
 */
export const WIRE_DIR = 'packages/wire/src/generated'
export const PROTOCOL_DIR = 'packages/protocol/src/generated'
/** Every folder generate() owns (replaced entirely by writeFiles). */
export const OUTPUT_DIRS = [WIRE_DIR, PROTOCOL_DIR] as const
const WIRE_PKG = '@tessera/wire'
const WIRE_CLIENT = '@tessera/wire/client'

const js = (file: string) => outPath(file).replace(/\.ts$/, '.js')

/**
 * Generate everything from `protoDir`, in memory. Output depends only on
 * the schema: same input, same bytes.
 *
 * @tessera/wire: one module per platform proto file, `index.ts` (all of
 * them) and `client.ts` (a re-export of the client-visible names only).
 * @tessera/protocol: one module per game proto file, the id table, registry
 * and schema hashes over the whole schema, and `client/` with the client
 * variants (the server's extend them) and a filtered re-export of the game
 * modules.
 */
export function generate(opts: GenerateOptions): GeneratedFiles {
  const { root, files } = loadSchema(opts.protoDir)
  const full = buildModel(opts.protoDir, root)
  const client = clientModel(full)
  const platform = platformFiles(full, files)
  const wireFiles = files.filter((f) => platform.has(f))
  const gameFiles = files.filter((f) => !platform.has(f))
  const out: GeneratedFiles = new Map()
  const put = (dir: string, rel: string, text: string) => out.set(`${dir}/${rel}`, text)

  const nameOf = lookup(new Map([...full.messages, ...full.enums].map((x) => [x.fullName, x.tsName])))
  const fileOf = lookup(new Map([...full.messages, ...full.enums].map((x) => [x.fullName, x.file])))
  const emitted = (file: string, runtime: string, importOf: (f: string) => string): boolean => {
    const text = emitFile(file, full, nameOf, fileOf, runtime, importOf)
    if (text !== null) put(platform.has(file) ? WIRE_DIR : PROTOCOL_DIR, outPath(file), text)
    return text !== null
  }

  // @tessera/wire
  const wireModules = wireFiles.filter((f) =>
    // The runtime sits beside generated/: one `../` per folder of the file, and one for generated/.
    emitted(f, `${'../'.repeat(outPath(f).split('/').length)}runtime/index.js`, (other) => {
      if (!platform.has(other))
        throw new ProtoGenError(`${f}: platform messages cannot use game types of ${other}`)
      return relImport(outPath(f), js(other))
    }),
  )
  put(WIRE_DIR, 'index.ts', emitIndex(wireModules.map((f) => `./${js(f)}`)))
  put(
    WIRE_DIR,
    'client.ts',
    emitIndex(
      [],
      emitReexports(
        client,
        wireModules.map((f) => [f, `./${js(f)}`]),
      ),
    ),
  )

  // @tessera/protocol
  const gameModules = gameFiles.filter((f) =>
    emitted(f, WIRE_PKG, (other) => (platform.has(other) ? WIRE_PKG : relImport(outPath(f), js(other)))),
  )
  const clientFrom = (m: MessageModel) => (platform.has(m.file) ? WIRE_CLIENT : `../${js(m.file)}`)
  const serverFrom = (m: MessageModel) => (platform.has(m.file) ? WIRE_PKG : `./${js(m.file)}`)
  put(PROTOCOL_DIR, 'client/msg-id.ts', emitClientMsgId(client))
  put(PROTOCOL_DIR, 'client/registry.ts', emitClientRegistry(client, WIRE_CLIENT, clientFrom))
  put(PROTOCOL_DIR, 'client/schema.ts', emitClientSchema(schemaHash(client)))
  put(
    PROTOCOL_DIR,
    'client/index.ts',
    emitIndex(
      ['./msg-id.js', './registry.js', './schema.js'],
      emitReexports(
        client,
        gameModules.map((f) => [f, `../${js(f)}`]),
      ),
    ),
  )
  put(PROTOCOL_DIR, 'msg-id.ts', emitServerMsgId(full, './client/msg-id.js'))
  put(PROTOCOL_DIR, 'registry.ts', emitServerRegistry(full, WIRE_PKG, './client/registry.js', serverFrom))
  put(PROTOCOL_DIR, 'schema.ts', emitServerSchema(schemaHash(full), './client/schema.js'))
  put(
    PROTOCOL_DIR,
    'index.ts',
    emitIndex([...gameModules.map((f) => `./${js(f)}`), './msg-id.js', './registry.js', './schema.js']),
  )
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** Proto files of the platform package; a file mixing packages cannot exist (one package per file). */
function platformFiles(model: SchemaModel, files: string[]): Set<string> {
  const out = new Set<string>()
  for (const f of files) {
    const names = [...model.messages, ...model.enums].filter((x) => x.file === f).map((x) => x.fullName)
    // options.proto declares only extensions: it belongs with the platform by its path.
    if (
      names.length === 0 ? f.startsWith(`${PLATFORM_PACKAGE}/`) : names[0]!.startsWith(`${PLATFORM_PACKAGE}.`)
    )
      out.add(f)
  }
  return out
}

function lookup(m: Map<string, string>): (n: string) => string {
  return (n) => {
    const v = m.get(n)
    if (v === undefined) throw new Error(`unknown proto type ${n}`)
    return v
  }
}

function listFiles(dir: string, rel = ''): string[] {
  let entries: string[]
  try {
    entries = readdirSync(path.join(dir, rel))
  } catch {
    return []
  }
  return entries.flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name
    return statSync(path.join(dir, r)).isDirectory() ? listFiles(dir, r) : [r]
  })
}

/**
 * Files that differ between `files` and what is on disk under `root` (the
 * repository): missing, changed, or extra files in an output folder.
 */
export function staleFiles(files: GeneratedFiles, root: string): string[] {
  const stale: string[] = []
  for (const [rel, text] of files) {
    let disk: string | null = null
    try {
      disk = readFileSync(path.join(root, rel), 'utf8')
    } catch {
      disk = null
    }
    if (disk !== text) stale.push(rel)
  }
  for (const dir of OUTPUT_DIRS)
    for (const rel of listFiles(path.join(root, dir)))
      if (!files.has(`${dir}/${rel}`)) stale.push(`${dir}/${rel}`)
  return stale.sort()
}

/** Replace every output folder under `root` with exactly `files` (stale extras removed). */
export function writeFiles(files: GeneratedFiles, root: string): void {
  for (const dir of OUTPUT_DIRS) rmSync(path.join(root, dir), { recursive: true, force: true })
  for (const [rel, text] of files) {
    const p = path.join(root, rel)
    mkdirSync(path.dirname(p), { recursive: true })
    writeFileSync(p, text)
  }
}
