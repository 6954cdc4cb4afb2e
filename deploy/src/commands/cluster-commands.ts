import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type ClusterView, READY, STATE_NAMES } from '../agent/index.js'
import type { BundleManifest } from '../bundle/index.js'
import { DeployNoRelease, DeployNotReady } from '../errors.js'
import { type ProcessPlan, planProcesses, type Secrets, type Topology } from '../topology/index.js'
import { backupUnit, nodeFiles } from '../units/index.js'
import { checkCertificates } from './check-certificates.js'
import { NodeOps } from './node-ops.js'

export interface DeployContext {
  t: Topology
  secrets: Secrets
  log: (line: string) => void
  /** How long one process may take to report READY. */
  readyTimeoutMs: number
  /** How long a rollout waits for a drained gateway's sessions to move (default 30 s). */
  drainTimeoutMs?: number
}

/** A bundle's manifest, from its .json (or latest.json) beside the tarball. */
export function readBundle(manifestPath: string): { dir: string; manifest: BundleManifest } {
  return {
    dir: path.dirname(path.resolve(manifestPath)),
    manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest,
  }
}

const opsOf = (c: DeployContext) => new Map(c.t.nodes.map((n) => [n.name, new NodeOps(c.t, n.name)]))
const centerOf = (t: Topology) => planProcesses(t).find((p) => p.kind === 'center')!

async function view(c: DeployContext, ops: Map<string, NodeOps>): Promise<ClusterView | undefined> {
  const center = centerOf(c.t)
  try {
    return await ops.get(center.node)!.clusterView(center.ports.admin!)
  } catch {
    return undefined
  }
}

type Entry = ClusterView['services'][number] & { startedAtMs?: unknown }
const entryOf = (v: ClusterView | undefined, p: ProcessPlan) =>
  v?.services.find((s) => s.kind === p.kind && s.serviceId === p.serviceId) as Entry | undefined

/** Wait until the center answers (for the center) or lists the process READY, started after `notStartedAt`. */
async function waitReady(
  c: DeployContext,
  ops: Map<string, NodeOps>,
  p: ProcessPlan,
  notStartedAt?: unknown,
) {
  const center = centerOf(c.t)
  try {
    await ops
      .get(center.node)!
      .waitReady(center.ports.admin!, p.kind, p.serviceId, c.readyTimeoutMs, notStartedAt)
  } catch (err) {
    throw DeployNotReady.with(
      { cause: err },
      `${p.kind}#${p.serviceId} (${p.unit} on ${p.node})`,
      c.readyTimeoutMs,
      (err as Error).message,
    )
  }
}

/** Ship the bundle to every node, write its files, and make it current (nothing restarts). */
async function installEverywhere(
  c: DeployContext,
  ops: Map<string, NodeOps>,
  bundle: string,
): Promise<string> {
  const { dir, manifest } = readBundle(bundle)
  // Every node's certificates first: a missing or unreadable file stops the deploy before anything changes.
  await Promise.all(
    [...ops.values()].map(async (o) => {
      const certs = await checkCertificates(o)
      if (certs.length) c.log(`${o.node}: ${certs.length} certificate(s) ok`)
    }),
  )
  await Promise.all(
    [...ops.values()].map(async (o) => {
      await o.install(dir, manifest)
      await o.writeFiles(nodeFiles(c.t, o.node, c.secrets))
      await o.activate(manifest.name)
      await o.loadUnits()
      c.log(`${o.node}: ${manifest.name} installed and current`)
    }),
  )
  return manifest.name
}

/** `deploy up`: install the bundle everywhere, start every process in dependency order, each READY before the next. */
export async function up(c: DeployContext, bundle: string): Promise<void> {
  const ops = opsOf(c)
  await installEverywhere(c, ops, bundle)
  for (const p of planProcesses(c.t)) {
    await ops.get(p.node)!.start(p.unit)
    await waitReady(c, ops, p)
    c.log(`${p.unit} on ${p.node}: READY`)
  }
  if (c.t.mariadb.backupSchedule) {
    const timer = `${backupUnit(c.t)}.timer`
    await ops.get(c.t.mariadb.node)!.start(timer)
    c.log(`${timer} on ${c.t.mariadb.node}: scheduled (${c.t.mariadb.backupSchedule})`)
  }
}

/**
 * Drain a gateway before its restart (docs/operations.md "Rollout"): only
 * with the admin token and when another gateway is READY to take the
 * players. Waits until its sessions moved (its load at the center is 0) or
 * the drain deadline. Returns whether it was drained.
 */
async function drainGateway(
  c: DeployContext,
  ops: Map<string, NodeOps>,
  p: ProcessPlan,
  v: ClusterView | undefined,
): Promise<boolean> {
  const where = `${p.unit} on ${p.node}`
  const others = v?.services.filter(
    (s) => s.kind === 'gateway' && s.serviceId !== p.serviceId && s.state === READY,
  )
  if (!c.secrets.adminToken) {
    c.log(`${where}: no secrets.admin in the topology, restarting without a drain`)
    return false
  }
  if (!others?.length) {
    c.log(`${where}: no other gateway READY, restarting without a drain`)
    return false
  }
  if (!entryOf(v, p)) return false
  const center = centerOf(c.t)
  const co = ops.get(center.node)!
  const r = await co.gateway(
    center.ports.admin!,
    'drain',
    p.serviceId,
    c.secrets.adminToken,
    'server update: reconnecting you',
  )
  const left = await co.waitDrained(center.ports.admin!, p.serviceId, c.drainTimeoutMs ?? 30_000)
  c.log(
    left === 0
      ? `${where}: drained (${r.affected} session(s) moved to ${others.map((o) => `gateway#${o.serviceId}`).join(', ')})`
      : `${where}: drain deadline passed with ${left} session(s) left, restarting anyway`,
  )
  return true
}

/** Restart processes one at a time, each READY again before the next; gateways drained first. */
async function restartOneByOne(c: DeployContext, ops: Map<string, NodeOps>): Promise<void> {
  for (const p of planProcesses(c.t)) {
    const o = ops.get(p.node)!
    const v = await view(c, ops)
    const before = entryOf(v, p)?.startedAtMs
    const drained = p.kind === 'gateway' && (await drainGateway(c, ops, p, v))
    await o.stop(p.unit)
    await o.start(p.unit)
    await waitReady(c, ops, p, p.kind === 'center' ? undefined : before)
    if (drained) {
      // A restarted gateway starts READY; undrain makes sure it takes players again either way.
      const center = centerOf(c.t)
      await ops.get(center.node)!.gateway(center.ports.admin!, 'undrain', p.serviceId, c.secrets.adminToken!)
      c.log(`${p.unit} on ${p.node}: undrained`)
    }
    c.log(`${p.unit} on ${p.node}: restarted, READY`)
  }
}

/** `deploy rollout`: install a new bundle, then restart one process at a time. */
export async function rollout(c: DeployContext, bundle: string): Promise<void> {
  const ops = opsOf(c)
  await installEverywhere(c, ops, bundle)
  await restartOneByOne(c, ops)
}

/** `deploy rollback`: every node back to its previous release, restarted one process at a time. */
export async function rollback(c: DeployContext): Promise<void> {
  const ops = opsOf(c)
  for (const o of ops.values()) {
    const back = await o.swapBack()
    if (!back) throw new DeployNoRelease(o.node, 'previous')
    await o.writeFiles(nodeFiles(c.t, o.node, c.secrets))
    c.log(`${o.node}: back on ${back}`)
  }
  await restartOneByOne(c, ops)
}

/** `deploy down`: stop every process, in reverse dependency order. */
export async function down(c: Pick<DeployContext, 't' | 'log'>): Promise<void> {
  const ops = new Map(c.t.nodes.map((n) => [n.name, new NodeOps(c.t, n.name)]))
  if (c.t.mariadb.backupSchedule) {
    const timer = `${backupUnit(c.t)}.timer`
    await ops.get(c.t.mariadb.node)!.stop(timer)
    c.log(`${timer} on ${c.t.mariadb.node}: stopped`)
  }
  for (const p of planProcesses(c.t).reverse()) {
    await ops.get(p.node)!.stop(p.unit)
    c.log(`${p.unit} on ${p.node}: stopped`)
  }
}

export interface StatusRow {
  node: string
  unit: string
  service: string
  /** The node's service manager: running, stopped, failed, restarting… */
  process: string
  /** The center's view: READY, STARTING…, or `absent`. */
  cluster: string
  release: string | null
  pid: number
  uptimeMs: number
  rssBytes: number
  /** The load the service reports to the center (sessions, for gateways). */
  load: number | null
}

/** `deploy status`: per node and process, the manager's and the center's view. */
export async function status(c: Pick<DeployContext, 't'>): Promise<StatusRow[]> {
  const ops = new Map(c.t.nodes.map((n) => [n.name, new NodeOps(c.t, n.name)]))
  const plan = planProcesses(c.t)
  const v = await view(c as DeployContext, ops)
  const rows: StatusRow[] = []
  for (const n of c.t.nodes) {
    const mine = plan.filter((p) => p.node === n.name)
    let st: Awaited<ReturnType<NodeOps['status']>> | undefined
    try {
      st = await ops.get(n.name)!.status(mine.map((p) => p.unit))
    } catch {
      st = undefined
    }
    for (const p of mine) {
      const u = st?.units.find((x) => x.unit === p.unit)
      const e = entryOf(v, p)
      rows.push({
        node: n.name,
        unit: p.unit,
        service: `${p.kind}#${p.serviceId}`,
        process: st ? (u?.state ?? 'unknown') : 'unreachable',
        cluster:
          p.kind === 'center'
            ? v
              ? 'READY'
              : 'absent'
            : e
              ? (STATE_NAMES[e.state] ?? String(e.state))
              : 'absent',
        release: st?.release ?? null,
        pid: u?.pid ?? 0,
        uptimeMs: u?.uptimeMs ?? 0,
        rssBytes: u?.rssBytes ?? 0,
        load: e ? e.load : null,
      })
    }
  }
  return rows
}

export function formatStatus(rows: StatusRow[]): string {
  const head = ['NODE', 'SERVICE', 'PROCESS', 'CLUSTER', 'RELEASE', 'PID', 'UPTIME', 'RSS', 'LOAD']
  const body = rows.map((r) => [
    r.node,
    r.service,
    r.process,
    r.cluster,
    r.release ?? '-',
    r.pid ? String(r.pid) : '-',
    r.uptimeMs ? `${Math.round(r.uptimeMs / 1000)}s` : '-',
    r.rssBytes ? `${Math.round(r.rssBytes / 1048576)}M` : '-',
    r.load === null ? '-' : String(r.load),
  ])
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  return [head, ...body]
    .map((r) =>
      r
        .map((x, i) => x.padEnd(w[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
