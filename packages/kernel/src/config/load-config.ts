import { readFileSync } from 'node:fs'
import yargs from 'yargs'
import type { z } from 'zod'
import { ConfigFileUnreadable, ConfigInvalid } from './errors.js'

export type Tree = { [key: string]: unknown }

export interface LoadConfigOptions<S extends z.ZodType> {
  /** Validates and fills defaults; use strict objects so a misspelt key is an error. */
  schema: S
  /** Command-line arguments (default: process.argv.slice(2)). `--config FILE` names the file. */
  argv?: readonly string[]
  /** Environment (default: process.env). Keys `${envPrefix}A__B_C` set `a.bC`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Default `TESSERA_`. */
  envPrefix?: string
  /** Config file used when `--config` is absent (optional). */
  defaultFile?: string
  /** Lowest-precedence values (e.g. a service's built-in defaults beyond the schema's). */
  base?: Tree
}

export interface LoadedConfig<T> {
  value: T
  /** Where each layer came from, for the start-up log. */
  sources: string[]
}

/**
 * Load configuration from, in rising precedence: `base`, a JSON file, the
 * environment, and `--key value` arguments (dotted keys nest:
 * `--net.session.maxFrameBytes 4096`). The merged tree is validated once;
 * every bad key is listed in one CONFIG_INVALID error; the result is deep-frozen.
 */
export function loadConfig<S extends z.ZodType>(opts: LoadConfigOptions<S>): LoadedConfig<z.output<S>> {
  const sources: string[] = []
  const args = parseArgs(opts.argv ?? process.argv.slice(2))
  const file = typeof args.config === 'string' ? args.config : opts.defaultFile
  delete args.config

  let tree: Tree = structuredClone(opts.base ?? {})
  if (opts.base) sources.push('defaults')
  if (file) {
    tree = merge(tree, readJson(file))
    sources.push(`file ${file}`)
  }
  const fromEnv = envTree(opts.env ?? process.env, opts.envPrefix ?? 'TESSERA_')
  if (Object.keys(fromEnv).length) {
    tree = merge(tree, fromEnv)
    sources.push('environment')
  }
  if (Object.keys(args).length) {
    tree = merge(tree, args)
    sources.push('arguments')
  }

  const parsed = opts.schema.safeParse(tree)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path.length ? i.path.join('.') : '(root)'
      const extra =
        i.code === 'unrecognized_keys' ? ` ${i.keys.map((k) => [...i.path, k].join('.')).join(', ')}` : ''
      return `  - ${key}: ${i.message}${extra}`
    })
    throw ConfigInvalid.with(
      { details: { issues: parsed.error.issues } },
      sources.join(' + ') || 'no sources',
      lines.join('\n'),
    )
  }
  return { value: deepFreeze(parsed.data), sources }
}

function readJson(file: string): Tree {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw ConfigFileUnreadable.with({ cause: err }, file, (err as Error).message)
  }
  try {
    const v: unknown = JSON.parse(text)
    if (!isTree(v)) throw new Error('top level must be an object')
    return v
  } catch (err) {
    throw ConfigFileUnreadable.with({ cause: err }, file, (err as Error).message)
  }
}

function parseArgs(argv: readonly string[]): Tree {
  const parsed = yargs([...argv])
    .parserConfiguration({ 'dot-notation': true, 'parse-numbers': true, 'camel-case-expansion': false })
    .help(false)
    .version(false)
    .parseSync() as Tree
  const { _, $0, ...rest } = parsed
  return coerceTree(rest)
}

/** yargs leaves `true`/`false` and JSON as strings unless told each key's type; treat them like the environment does. */
function coerceTree(t: Tree): Tree {
  const out: Tree = {}
  for (const [k, v] of Object.entries(t))
    out[k] = typeof v === 'string' ? coerce(v) : isTree(v) ? coerceTree(v) : v
  return out
}

/** `TESSERA_NET__SESSION__MAX_FRAME_BYTES=4096` → `{ net: { session: { maxFrameBytes: 4096 } } }`. */
export function envTree(env: Readonly<Record<string, string | undefined>>, prefix: string): Tree {
  const out: Tree = {}
  for (const [k, raw] of Object.entries(env)) {
    if (!k.startsWith(prefix) || raw === undefined) continue
    const path = k
      .slice(prefix.length)
      .split('__')
      .map((seg) => seg.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()))
    if (path.some((p) => p === '')) continue
    setPath(out, path, coerce(raw))
  }
  return out
}

/** Environment values are strings; numbers, booleans and JSON arrays/objects are recognised. */
function coerce(raw: string): unknown {
  const t = raw.trim()
  if (/^-?\d+(\.\d+)?$/.test(t) && Number.isSafeInteger(Math.trunc(Number(t)))) return Number(t)
  if (t === 'true' || t === 'false') return t === 'true'
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.parse(t)
    } catch {
      return raw
    }
  }
  return raw
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree
  for (const seg of path.slice(0, -1)) {
    const next = node[seg]
    if (!isTree(next)) node[seg] = {}
    node = node[seg] as Tree
  }
  node[path[path.length - 1]!] = value
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Deep merge; arrays and scalars from `over` replace. */
export function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = isTree(b) && isTree(v) ? merge(b, v) : v
  }
  return out
}

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}
