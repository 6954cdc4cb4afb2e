import { readlinkSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { type ServiceManager, Supervisor, Systemd, type UnitStatus } from '../service-manager/index.js'

// The node side of deploy (`deploy node …`), run from the node's current
// release many times per command: it loads node built-ins only, so each call
// starts fast even on a busy machine.

/** What `deploy node status` prints. */
export interface NodeStatus {
  release: string | null
  previous: string | null
  units: UnitStatus[]
}

/** The part of the center's GET /admin/cluster deploy reads. */
export interface ClusterView {
  complete: boolean
  services: {
    kind: string
    serviceId: number
    node: string
    state: number
    load: number
    startedAtMs?: unknown
  }[]
}

/** ServiceState.READY in proto/tessera/cluster.proto. */
export const READY = 3
export const STATE_NAMES = ['UNSPECIFIED', 'PREPARING', 'STARTING', 'READY', 'DRAINING']

export function managerFor(root: string, manager: string): ServiceManager {
  return manager === 'systemd'
    ? new Systemd()
    : new Supervisor(path.join(root, 'units'), path.join(root, 'run'))
}

function link(p: string): string | null {
  try {
    return path.basename(readlinkSync(p))
  } catch {
    return null
  }
}

export function nodeStatus(root: string, manager: string, units: string[]): NodeStatus {
  const m = managerFor(root, manager)
  return {
    release: link(path.join(root, 'current')),
    previous: link(path.join(root, 'previous')),
    units: units.map((u) => m.status(u)),
  }
}

export async function fetchClusterView(admin: string): Promise<ClusterView> {
  const res = await fetch(`${admin}/admin/cluster`, { signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`${admin}/admin/cluster answered HTTP ${res.status}`)
  return (await res.json()) as ClusterView
}

/**
 * Poll the center (on its own node) until `kind#id` is READY and, when
 * `notStartedAt` is given, is a newer start than that one; for the center
 * itself, until it answers. Throws with the last state seen.
 */
export async function waitReady(o: {
  admin: string
  kind: string
  id: number
  notStartedAt?: string | undefined
  timeoutMs: number
}): Promise<void> {
  const end = Date.now() + o.timeoutMs
  let last = 'no answer from the center'
  for (;;) {
    const v = await fetchClusterView(o.admin).catch(() => undefined)
    if (v && o.kind === 'center') return
    const e = v?.services.find((s) => s.kind === o.kind && s.serviceId === o.id)
    if (v) last = e ? `state ${STATE_NAMES[e.state] ?? e.state}` : 'not registered'
    if (e && e.state === READY && (o.notStartedAt === undefined || String(e.startedAtMs) !== o.notStartedAt))
      return
    if (Date.now() > end) throw new Error(`${o.kind}#${o.id} not READY after ${o.timeoutMs} ms (${last})`)
    await sleep(200)
  }
}

/**
 * Run an operator action on one gateway through the center's admin endpoint
 * (`drain` or `undrain`, docs/operations.md "Draining a gateway"), with the
 * admin bearer token. Returns the center's JSON answer; throws on any other
 * status than 200 (a 401 names the token, a 400 an unknown gateway).
 */
export async function gatewayAction(o: {
  admin: string
  action: 'drain' | 'undrain'
  id: number
  token: string
  message?: string | undefined
}): Promise<unknown> {
  const body: Record<string, unknown> = { serviceId: o.id }
  if (o.action === 'drain' && o.message) body.message = o.message
  const res = await fetch(`${o.admin}/admin/gateways/${o.action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  if (res.status !== 200)
    throw new Error(`${o.action} gateway#${o.id}: HTTP ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as unknown
}

/**
 * Poll the center until gateway `id` reports no client sessions (its
 * heartbeat load) or `timeoutMs` passes. Returns the last load seen (0 when
 * drained); a deadline is not an error: the rollout restarts it anyway and
 * the clients left resume elsewhere after the SIGTERM's Kick.
 */
export async function waitDrained(o: { admin: string; id: number; timeoutMs: number }): Promise<number> {
  const end = Date.now() + o.timeoutMs
  let load = -1
  for (;;) {
    const v = await fetchClusterView(o.admin).catch(() => undefined)
    const e = v?.services.find((s) => s.kind === 'gateway' && s.serviceId === o.id)
    if (e) load = e.load
    if (load === 0 || Date.now() > end) return load
    await sleep(200)
  }
}
