import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { emitFile, outPath } from './emit-file.js'
import { emitIndex, emitMsgId, emitRegistry, emitSchema } from './emit-index.js'
import { loadSchema } from './load-schema.js'
import { schemaHash } from './schema-hash.js'
import { buildModel, clientModel, type SchemaModel } from './schema-model.js'

/** Generated files, path (relative to the output dir, `/`-separated) → content. */
export type GeneratedFiles = Map<string, string>

export interface GenerateOptions {
  /** The proto/ folder. */
  protoDir: string
  /**
   * Where the hand-written runtime lives, relative to the output dir
   * (default `../runtime`: packages/protocol/src/runtime beside generated/).
   */
  runtimeDir?: string
}

function emitVariant(
  model: SchemaModel,
  protoFiles: string[],
  prefix: string,
  runtimeFromRoot: string,
  hashes: { client: string; full: string | null },
  out: GeneratedFiles,
): void {
  const nameOf = new Map<string, string>()
  const fileOf = new Map<string, string>()
  for (const x of [...model.messages, ...model.enums]) {
    nameOf.set(x.fullName, x.tsName)
    fileOf.set(x.fullName, x.file)
  }
  const lookup = (m: Map<string, string>) => (n: string) => {
    const v = m.get(n)
    if (v === undefined) throw new Error(`unknown proto type ${n}`)
    return v
  }
  const modules: string[] = []
  for (const file of protoFiles) {
    const text = emitFile(file, model, lookup(nameOf), lookup(fileOf), runtimeFromRoot)
    if (text === null) continue
    modules.push(outPath(file))
    out.set(prefix + outPath(file), text)
  }
  out.set(`${prefix}msg-id.ts`, emitMsgId(model))
  out.set(`${prefix}registry.ts`, emitRegistry(model, `${runtimeFromRoot}/index.js`))
  out.set(`${prefix}schema.ts`, emitSchema(hashes.client, hashes.full))
  out.set(`${prefix}index.ts`, emitIndex([...modules, 'msg-id.ts', 'registry.ts', 'schema.ts']))
}

/**
 * Generate everything from `protoDir`, in memory. The server variant sits
 * at the root of the output; the client variant (server-only messages left
 * out) under `client/`. Output depends only on the schema: same input, same
 * bytes.
 */
export function generate(opts: GenerateOptions): GeneratedFiles {
  const { root, files } = loadSchema(opts.protoDir)
  const full = buildModel(opts.protoDir, root)
  const client = clientModel(full)
  const hashes = { client: schemaHash(client), full: schemaHash(full) }
  const runtime = opts.runtimeDir ?? '../runtime'
  const out: GeneratedFiles = new Map()
  emitVariant(full, files, '', runtime, hashes, out)
  emitVariant(client, files, 'client/', `../${runtime}`, { client: hashes.client, full: null }, out)
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
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

/** Files that differ between `files` and what is on disk under `outDir` (missing, changed or extra). */
export function staleFiles(files: GeneratedFiles, outDir: string): string[] {
  const stale: string[] = []
  for (const [rel, text] of files) {
    let disk: string | null = null
    try {
      disk = readFileSync(path.join(outDir, rel), 'utf8')
    } catch {
      disk = null
    }
    if (disk !== text) stale.push(rel)
  }
  for (const rel of listFiles(outDir)) if (!files.has(rel)) stale.push(rel)
  return stale.sort()
}

/** Replace `outDir` with exactly `files` (stale extras removed). */
export function writeFiles(files: GeneratedFiles, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true })
  for (const [rel, text] of files) {
    const p = path.join(outDir, rel)
    mkdirSync(path.dirname(p), { recursive: true })
    writeFileSync(p, text)
  }
}
