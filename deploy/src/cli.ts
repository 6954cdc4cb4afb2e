#!/usr/bin/env node
// The deploy tool: `deploy/bin/deploy <command>` (docs/operations.md).
//   bundle                      build the release bundle (after pnpm build)
//   schema                      the topology's JSON Schema (for editors)
//   validate  --topology T      check a topology file, every error named
//   env-init  --topology T --node N   prepare a node (idempotent), report what changed
//   up        --topology T [--bundle B]   install and start everything, in dependency order
//   status    --topology T [--json]
//   rollout   --topology T [--bundle B]   new release, one process at a time
//   rollback  --topology T                previous release, one process at a time
//   down      --topology T
//   node …                      what the commands above run on a node (agent-cli.ts)
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs, { type Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { makeBundle } from './bundle/index.js'
import {
  type DeployContext,
  down,
  envInit,
  formatStatus,
  rollback,
  rollout,
  status,
  up,
} from './commands/index.js'
import { loadTopology, planProcesses, resolveSecrets, topologyJsonSchema } from './topology/index.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const latest = path.join(repo, 'dist/release/latest.json')
const log = (line: string) => console.log(`[deploy] ${line}`)

const withTopology = <T>(y: Argv<T>) =>
  y.option('topology', { type: 'string', demandOption: true, describe: 'topology file (JSON)' })
const withBundle = <T>(y: Argv<T>) =>
  withTopology(y).option('bundle', {
    type: 'string',
    default: latest,
    describe: 'bundle manifest (.json beside the tarball)',
  })
const withReady = <T>(y: Argv<T>) =>
  y.option('ready-timeout', {
    type: 'number',
    default: 60_000,
    describe: 'ms a process may take to report READY',
  })

function context(a: { topology: string; 'ready-timeout'?: number; 'drain-timeout'?: number }): DeployContext {
  const t = loadTopology(a.topology)
  return {
    t,
    secrets: resolveSecrets(t, process.env, a.topology),
    log,
    readyTimeoutMs: a['ready-timeout'] ?? 60_000,
    drainTimeoutMs: a['drain-timeout'] ?? 30_000,
  }
}
const withDrain = <T>(y: Argv<T>) =>
  y.option('drain-timeout', {
    type: 'number',
    default: 30_000,
    describe: 'ms a drained gateway may take to see its sessions move before its restart',
  })

await yargs(hideBin(process.argv))
  .scriptName('deploy')
  .command(
    'bundle',
    'build the release bundle (after pnpm build)',
    (y) =>
      y
        .option('out', {
          type: 'string',
          default: path.join(repo, 'dist/release'),
          describe: 'output folder',
        })
        .option('label', { type: 'string', describe: 'suffix for the bundle name (e.g. a hotfix tag)' }),
    (a) => {
      const m = makeBundle({ repo, outDir: a.out, label: a.label })
      console.log(`bundle ${m.file} (version ${m.version} = ${m.versionHex}, commit ${m.commit}) in ${a.out}`)
    },
  )
  .command(
    'schema',
    'print the topology JSON Schema (deploy/topology.schema.json)',
    (y) => y,
    () => {
      process.stdout.write(topologyJsonSchema())
    },
  )
  .command(
    'validate',
    'check a topology file',
    (y) => withTopology(y),
    (a) => {
      const t = loadTopology(a.topology)
      for (const p of planProcesses(t))
        console.log(`${p.unit} on ${p.node}: ports ${JSON.stringify(p.ports)}`)
      console.log(`${a.topology}: valid`)
    },
  )
  .command(
    'env-init',
    'prepare one node (idempotent) and report what changed',
    (y) => withTopology(y).option('node', { type: 'string', demandOption: true }),
    async (a) => {
      const c = context(a)
      const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
        packageManager: string
      }
      const lines = await envInit(c.t, c.secrets, a.node, pkg.packageManager.replace(/^pnpm@/, ''))
      for (const l of lines) console.log(l)
      const n = lines.filter((l) => l.startsWith('changed:')).length
      console.log(`${a.node}: ${n} change(s)`)
    },
  )
  .command(
    'up',
    'install the bundle on every node and start every service in dependency order',
    (y) => withReady(withBundle(y)),
    async (a) => up(context(a), a.bundle),
  )
  .command(
    'status',
    'per node and service: state, release, uptime, memory, load',
    (y) => withTopology(y).option('json', { type: 'boolean', default: false }),
    async (a) => {
      const rows = await status({ t: loadTopology(a.topology) })
      console.log(a.json ? JSON.stringify(rows, null, 2) : formatStatus(rows))
    },
  )
  .command(
    'rollout',
    'install a new bundle and restart one process at a time (gateways drained first)',
    (y) => withDrain(withReady(withBundle(y))),
    async (a) => rollout(context(a), a.bundle),
  )
  .command(
    'rollback',
    'go back to the previous release, one process at a time (gateways drained first)',
    (y) => withDrain(withReady(withTopology(y))),
    async (a) => rollback(context(a)),
  )
  .command(
    'down',
    'stop every service, in reverse dependency order',
    (y) => withTopology(y),
    async (a) => down({ t: loadTopology(a.topology), log }),
  )
  .demandCommand(1)
  .strict()
  .help()
  .fail((msg, err) => {
    console.error(`deploy: ${err ? err.message : msg}`)
    process.exit(1)
  })
  .parseAsync()
