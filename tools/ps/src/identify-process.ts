import path from 'node:path'
import { envTree, merge, type Tree } from '@tessera/kernel'

/** A service entry point: `…/services/<kind>/src/main.ts` (sources through tsx) or `…/dist/main.js` (a build or bundle). */
const ENTRY = /(?:^|\/)services\/([a-z][a-z0-9-]*)\/(?:src\/main\.ts|dist\/main\.js)$/

export interface ProcessIdentity {
  kind: string
  /** Undefined when neither arguments, environment nor config file set it (the service's default applies). */
  serviceId: number | undefined
  node: string | undefined
  /** The entry script as given on the command line. */
  script: string
  /** The `--config` file, absolute. */
  configFile: string | undefined
}

export interface ProcessFacts {
  /** argv as in /proc/PID/cmdline. */
  argv: readonly string[]
  env: Readonly<Record<string, string>>
  /** The process's working directory (relative paths in its argv are resolved against it). */
  cwd: string
  /** Reads a config file (undefined when unreadable). */
  readFile: (file: string) => string | undefined
}

/**
 * Which Tessera service a process is, from what it was started with, read
 * the way the kernel's loadConfig reads it: the `--config` JSON file, then
 * `TESSERA_*` environment variables, then `--key value` arguments, later
 * winning. `serviceId` is `<kind>.serviceId`, `node` is `app.node`.
 * Undefined for a process that is not a Tessera service.
 */
export function identifyProcess(f: ProcessFacts): ProcessIdentity | undefined {
  const at = f.argv.findIndex((a, i) => i > 0 && ENTRY.test(a))
  if (at < 0) return undefined
  const script = f.argv[at]!
  const kind = ENTRY.exec(script)![1]!
  const args = parseArgs(f.argv.slice(at + 1))
  const configFile = typeof args.config === 'string' ? path.resolve(f.cwd, args.config) : undefined
  let file: Tree = {}
  const text = configFile === undefined ? undefined : f.readFile(configFile)
  if (text !== undefined) {
    try {
      const j = JSON.parse(text)
      if (j && typeof j === 'object' && !Array.isArray(j)) file = j
    } catch {
      // A config the service itself would refuse; the arguments and environment may still say enough.
    }
  }
  // The same layering as the kernel's loadConfig: file, then environment, then arguments.
  const tree = merge(merge(file, envTree(f.env, 'TESSERA_')), args)
  const section = (name: string) => {
    const s = tree[name]
    return s && typeof s === 'object' ? (s as Tree) : {}
  }
  const id = Number(section(kind).serviceId)
  const node = section('app').node
  return {
    kind,
    serviceId: Number.isInteger(id) && id > 0 ? id : undefined,
    node: node === undefined ? undefined : String(node),
    script,
    configFile,
  }
}

/** `--a.b value` and `--a.b=value` as a nested tree (the last one wins, as in yargs). */
function parseArgs(argv: readonly string[]): Tree {
  const out: Tree = {}
  const set = (key: string, value: string) => {
    const parts = key.split('.')
    let t = out
    for (const p of parts.slice(0, -1)) {
      if (!t[p] || typeof t[p] !== 'object') t[p] = {}
      t = t[p] as Tree
    }
    t[parts.at(-1)!] = value
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) continue
    const eq = a.indexOf('=')
    if (eq > 0) set(a.slice(2, eq), a.slice(eq + 1))
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) set(a.slice(2), argv[++i]!)
  }
  return out
}
