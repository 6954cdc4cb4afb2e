import { clusterAddress, type ServiceInfoMsg, ServiceStates } from '@tessera/kernel'
import { gatewayGroup } from './gateway-group.js'

/** A gateway chosen for a hand-off, with its client addresses by stack. */
export interface GatewayChoice {
  serviceId: number
  /** Its port group (gateway-group.ts): the processes that may redeem its hand-offs. */
  group: string
  /** Binary TCP endpoints (`tcp://`, `tls://`). */
  tcp: string[]
  /** WebSocket URLs (`ws://`, `wss://`). */
  ws: string[]
}

/**
 * The client addresses a gateway registered (everything but its cluster
 * link), sorted by stack. An `auto://` port speaks TCP and WebSocket (at
 * /ws), `auto+tls://` the same over TLS; an `http(s)://` port upgrades
 * WebSockets at /ws.
 */
export function clientAddresses(s: ServiceInfoMsg): { tcp: string[]; ws: string[] } {
  const link = clusterAddress(s)
  const tcp: string[] = []
  const ws: string[] = []
  for (const a of s.addresses) {
    if (a === link) continue
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(\/.*)?$/.exec(a)
    if (!m) continue
    const [, scheme, hostPort, path] = m as unknown as [string, string, string, string | undefined]
    if (scheme === 'tcp' || scheme === 'tls') tcp.push(a)
    else if (scheme === 'ws' || scheme === 'wss') ws.push(a)
    else if (scheme === 'http' || scheme === 'https')
      ws.push(`${scheme === 'https' ? 'wss' : 'ws'}://${hostPort}${path && path !== '/' ? path : '/ws'}`)
    else if (scheme === 'auto' || scheme === 'auto+tls') {
      const secure = scheme === 'auto+tls'
      tcp.push(`${secure ? 'tls' : 'tcp'}://${hostPort}`)
      ws.push(`${secure ? 'wss' : 'ws'}://${hostPort}${path && path !== '/' ? path : '/ws'}`)
    }
  }
  return { tcp, ws }
}

/**
 * Picks the least loaded READY gateway from the center's registry. The
 * registry's `load` is refreshed on every heartbeat; hand-offs this process
 * issued since then are added, so a burst of logins does not all land on
 * the gateway that looked emptiest a second ago. Ties go to a random one,
 * so several login processes spread too.
 */
export class GatewayPicker {
  /** serviceId → times of recent hand-offs from this process. */
  private readonly recent = new Map<number, number[]>()

  constructor(
    private readonly members: () => readonly ServiceInfoMsg[],
    /** How long a local hand-off counts (about one heartbeat). */
    private readonly windowMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Choose a gateway and count the hand-off against it; null when none is READY with client addresses. */
  pick(now: number): GatewayChoice | null {
    const best = this.leastLoaded(now)
    if (best.length === 0) return null
    const choice = best[Math.floor(this.random() * best.length)]!
    this.note(choice.serviceId, now)
    return choice
  }

  /** True when {@link pick} would find a gateway. */
  available(now: number): boolean {
    return this.leastLoaded(now).length > 0
  }

  private leastLoaded(now: number): GatewayChoice[] {
    let best: GatewayChoice[] = []
    let bestLoad = Number.POSITIVE_INFINITY
    for (const s of this.members()) {
      if (s.state !== ServiceStates.READY) continue
      const a = clientAddresses(s)
      if (a.tcp.length === 0 && a.ws.length === 0) continue
      const load = s.load + this.recentCount(s.serviceId, now)
      if (load < bestLoad) {
        bestLoad = load
        best = []
      }
      if (load === bestLoad) best.push({ serviceId: s.serviceId, group: gatewayGroup(s), ...a })
    }
    return best
  }

  private note(serviceId: number, now: number): void {
    let list = this.recent.get(serviceId)
    if (!list) {
      list = []
      this.recent.set(serviceId, list)
    }
    list.push(now)
  }

  private recentCount(serviceId: number, now: number): number {
    const list = this.recent.get(serviceId)
    if (!list) return 0
    let drop = 0
    while (drop < list.length && list[drop]! <= now - this.windowMs) drop++
    if (drop > 0) list.splice(0, drop)
    return list.length
  }
}
