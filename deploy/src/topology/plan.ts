import path from 'node:path'
import { SERVICE_KINDS } from './service-kinds.js'
import type { TlsRef, Topology, TopologyNode, TopologyService } from './topology-schema.js'

/** One process of the cluster, as deploy runs it. */
export interface ProcessPlan {
  /** systemd unit name without `.service`: `<cluster>-<kind>-<serviceId>`. */
  unit: string
  kind: string
  serviceId: number
  node: string
  /** Ports of this process (base + index). */
  ports: Record<string, number>
  nofile: number
  order: number
  /**
   * Certificates of its TLS client ports (only when it has one): its service
   * entry's, else its node's, else the topology's.
   */
  tls?: TlsRef
  /** Login: its `http` port is allowed in clear (the entry's `plaintext`). */
  plaintext: boolean
}

/** The certificates a service entry uses: its own `tls`, else its node's, else the topology's. */
export function tlsOf(t: Topology, s: TopologyService): TlsRef | undefined {
  return s.tls ?? t.nodes.find((n) => n.name === s.node)?.tls ?? t.tls
}

/** Every process, in start order (kind order, then node order, then id). */
export function planProcesses(t: Topology): ProcessPlan[] {
  const nextId = new Map<string, number>()
  const out: ProcessPlan[] = []
  for (const s of t.services) {
    const kind = SERVICE_KINDS[s.kind]
    if (!kind) continue
    let id = s.firstId ?? nextId.get(s.kind) ?? kind.firstId
    // Only processes with a TLS client port get (and read) certificates.
    const tls = kind.clientPorts?.tls.some((n) => s.ports[n] !== undefined) ? tlsOf(t, s) : undefined
    for (let i = 0; i < s.count; i++, id++) {
      const ports = Object.fromEntries(Object.entries(s.ports).map(([k, v]) => [k, v + i]))
      out.push({
        unit: `${t.cluster}-${s.kind}-${id}`,
        kind: s.kind,
        serviceId: id,
        node: s.node,
        ports,
        nofile: kind.nofile,
        order: kind.order,
        ...(tls ? { tls } : {}),
        plaintext: s.plaintext === true,
      })
    }
    nextId.set(s.kind, Math.max(nextId.get(s.kind) ?? kind.firstId, id))
  }
  const nodeIndex = new Map(t.nodes.map((n, i) => [n.name, i]))
  return out.sort(
    (a, b) =>
      a.order - b.order || nodeIndex.get(a.node)! - nodeIndex.get(b.node)! || a.serviceId - b.serviceId,
  )
}

export function nodeOf(t: Topology, name: string): TopologyNode {
  const n = t.nodes.find((x) => x.name === name)
  if (!n) throw new Error(`no node ${name}`)
  return n
}

/** The center's cluster address every other service connects to. */
export function centerAddress(t: Topology): string {
  const c = planProcesses(t).find((p) => p.kind === 'center')!
  return `${nodeOf(t, c.node).address}:${c.ports.cluster}`
}

/** Folders on a node. */
export function nodePaths(t: Topology, node: string) {
  const r = nodeOf(t, node).root ?? t.root
  return {
    root: r,
    releases: path.posix.join(r, 'releases'),
    current: path.posix.join(r, 'current'),
    previous: path.posix.join(r, 'previous'),
    incoming: path.posix.join(r, 'incoming'),
    etc: path.posix.join(r, 'etc'),
    units: path.posix.join(r, 'units'),
    run: path.posix.join(r, 'run'),
    data: path.posix.join(r, 'data'),
    logs: path.posix.join(r, 'logs'),
    backups: path.posix.join(r, 'backups'),
  }
}
