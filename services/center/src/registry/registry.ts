import type { Logger } from '@tessera/kernel'
import {
  type ClusterWire,
  type Link,
  type MembershipUpdateMsg,
  type ServiceInfoMsg,
  type ServiceProxy,
  type ServiceState,
  ServiceStates,
} from '@tessera/kernel'
import { CenterBadRegistration, CenterDuplicateService } from '../errors.js'

export interface RegistryOptions {
  proxy: ServiceProxy
  wire: ClusterWire
  logger: Logger
  /** Monotonic ms. */
  now: () => number
  heartbeatMs: number
  /** A service silent this long is dropped. */
  heartbeatTimeoutMs: number
  /** How often {@link Registry.sweep} is called (default heartbeatMs / 2): a later sweep means the center stalled. */
  sweepMs?: number
}

interface Entry {
  info: ServiceInfoMsg
  link: Link
  deadline: number
}

/** Refuses a registration by throwing; `holder` is the process's machine-id holder token ('' if none). */
export type RegistrationGuard = (info: ServiceInfoMsg, holder: string) => void

/** Why a service left the registry. */
export type DropReason = 'unregistered' | 'heartbeat timeout'

/**
 * A service that left. `linkOpen` tells a hang (its link still open: the
 * process may wake up) from a death (kill -9 resets the link at once).
 */
export type DropListener = (info: ServiceInfoMsg, why: DropReason, linkOpen: boolean) => void

/**
 * Live services by heartbeat. Registration, heartbeats and leaves arrive as
 * requests on each service's own link, and membership changes are pushed back
 * on those links. The registry is soft state: after a restart it is rebuilt
 * from re-registrations, and until one heartbeat timeout has passed it calls
 * its view incomplete so services add what it sends and drop nothing.
 * Start-up orchestration lives here too: a PREPARING service gets StartupGo
 * once a READY service exists for each kind it depends on.
 */
export class Registry {
  private readonly entries = new Map<number, Entry>()
  private startedAt: number
  private settled = false
  /** When the last sweep ran (monotonic ms). */
  private lastSweep: number
  private readonly sweepMs: number
  private readonly go = new Set<number>()
  private readonly registeredListeners: ((info: ServiceInfoMsg) => void)[] = []
  private readonly dropListeners: DropListener[] = []
  private readonly guards: RegistrationGuard[] = []

  constructor(private readonly o: RegistryOptions) {
    this.startedAt = o.now()
    this.lastSweep = this.startedAt
    this.sweepMs = o.sweepMs ?? Math.max(1, Math.floor(o.heartbeatMs / 2))
    const { proxy, wire } = o
    proxy.handle(wire.registerService, wire.registerServiceOk, (m, link) =>
      this.register(m.service, link, m.holder),
    )
    proxy.handle(wire.serviceHeartbeat, wire.serviceHeartbeatOk, (m, link) => ({
      known: this.heartbeat(m.serviceId, m.load, m.state, link),
    }))
    proxy.handle(wire.unregisterService, wire.unregisterServiceOk, (m, link) => {
      const e = this.entries.get(m.serviceId)
      if (e && e.link.peer.serviceId === link.peer.serviceId) this.drop([m.serviceId], 'unregistered')
      return {}
    })
    proxy.addLinkDownListener((link) => {
      // A closed link is a strong hint (kill -9 resets it at once): give the
      // service one heartbeat interval to come back on a new link.
      for (const e of this.entries.values()) {
        if (e.link === link) e.deadline = Math.min(e.deadline, this.o.now() + this.o.heartbeatMs)
      }
    })
  }

  get complete(): boolean {
    return this.settled
  }

  /** The link a registered service talks to the center on (for pushes). */
  linkOf(serviceId: number): Link | undefined {
    const e = this.entries.get(serviceId)
    return e?.link.isOpen ? e.link : undefined
  }

  onRegistered(fn: (info: ServiceInfoMsg) => void): void {
    this.registeredListeners.push(fn)
  }

  /** Checks every registration must pass (a guard throws to refuse it). */
  guardRegistrations(fn: RegistrationGuard): void {
    this.guards.push(fn)
  }

  onDropped(fn: DropListener): void {
    this.dropListeners.push(fn)
  }

  /**
   * Whether a registered service on `node` runs with `machineId`: 'live' when
   * one has an open link, 'dead' when every such service's link is closed
   * (killed; not yet dropped), undefined when none is registered.
   */
  machineIdUse(node: string, machineId: number): 'live' | 'dead' | undefined {
    let use: 'live' | 'dead' | undefined
    for (const e of this.entries.values()) {
      if (e.info.node !== node || e.info.machineId !== machineId) continue
      if (e.link.isOpen) return 'live'
      use = 'dead'
    }
    return use
  }

  list(): ServiceInfoMsg[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.serviceId - b.serviceId)
  }

  register(info: ServiceInfoMsg | undefined, link: Link, holder = '') {
    if (!info || info.serviceId <= 0 || !info.kind)
      throw new CenterBadRegistration('service id and kind are required')
    for (const guard of this.guards) guard(info, holder)
    if (info.serviceId !== link.peer.serviceId || info.kind !== link.peer.kind)
      throw new CenterBadRegistration(
        `registers ${info.kind}#${info.serviceId} over a link authenticated as ${link.peer.kind}#${link.peer.serviceId}`,
      )
    const old = this.entries.get(info.serviceId)
    // The same service may register again over a new link (it reconnected);
    // another process with its id may not: a different place, or a different
    // start time, while the first one's link is still open.
    if (old && old.link !== link && old.link.isOpen) {
      const elsewhere = old.info.kind !== info.kind || old.info.node !== info.node
      const otherProcess =
        old.info.startedAtMs !== 0n && info.startedAtMs !== 0n && old.info.startedAtMs !== info.startedAtMs
      if (elsewhere || otherProcess)
        throw new CenterDuplicateService(
          info.serviceId,
          `${old.info.kind}@${old.info.node} (started ${old.info.startedAtMs})`,
          `${info.kind}@${info.node} (started ${info.startedAtMs})`,
        )
    }
    const copy = { ...info }
    this.entries.set(info.serviceId, { info: copy, link, deadline: this.o.now() + this.o.heartbeatTimeoutMs })
    this.o.logger.info(
      {
        service: `${info.kind}#${info.serviceId}`,
        node: info.node,
        addresses: info.addresses,
        state: info.state,
        again: !!old,
      },
      'center: service registered',
    )
    this.push({ up: [copy], down: [], full: false }, info.serviceId)
    for (const fn of this.registeredListeners) fn(copy)
    this.orchestrate()
    return {
      members: this.list(),
      complete: this.settled,
      heartbeatMs: this.o.heartbeatMs,
      heartbeatTimeoutMs: this.o.heartbeatTimeoutMs,
    }
  }

  /** False when the service is unknown (it must register again). */
  heartbeat(serviceId: number, load: number, state: ServiceState, link: Link): boolean {
    const e = this.entries.get(serviceId)
    if (!e || link.peer.serviceId !== serviceId) return false
    // Beats over another link while the registered one is open come from
    // another process with this id (or a hung one back from the dead): not
    // known here; it must register, and registration decides.
    if (e.link !== link && e.link.isOpen) return false
    e.deadline = this.o.now() + this.o.heartbeatTimeoutMs
    e.link = link
    const changed = e.info.state !== state || e.info.load !== load
    e.info.load = load
    if (e.info.state !== state) {
      this.o.logger.info(
        { service: `${e.info.kind}#${serviceId}`, from: e.info.state, to: state },
        'center: service state',
      )
      e.info.state = state
      this.push({ up: [e.info], down: [], full: false })
      this.orchestrate()
    } else if (changed) this.push({ up: [e.info], down: [], full: false }, serviceId)
    return true
  }

  /** Drop silent services; end the settling window after a restart. Called on a timer. */
  sweep(): void {
    const now = this.o.now()
    this.creditStall(now)
    const gone: number[] = []
    for (const [id, e] of this.entries) if (now >= e.deadline) gone.push(id)
    if (gone.length > 0) this.drop(gone, 'heartbeat timeout')
    if (!this.settled && now - this.startedAt >= this.o.heartbeatTimeoutMs) {
      this.settled = true
      this.o.logger.info({ services: this.entries.size }, 'center: registry complete (settling window over)')
      this.push({ up: this.list(), down: [], full: true })
    }
  }

  /**
   * A sweep that runs late means the center itself did not run (a GC pause,
   * an overloaded node, SIGSTOP): the services' heartbeats of that time sit
   * unread in the sockets, and when the loop wakes up, timers run before
   * I/O, so this sweep would drop every service before reading a single
   * beat, and every gateway would end the sessions of the logic it lost.
   * The stall is the center's, not the services': every deadline moves on
   * by it. (A sweep late by less than a heartbeat is ordinary jitter.)
   */
  private creditStall(now: number): void {
    const late = now - this.lastSweep - this.sweepMs
    this.lastSweep = now
    if (late <= this.o.heartbeatMs) return
    for (const e of this.entries.values()) e.deadline += late
    // The settling window after a restart waits for re-registrations as well.
    if (!this.settled) this.startedAt += late
    this.o.logger.warn(
      { stalledMs: Math.round(late), services: this.entries.size },
      'center: stalled; heartbeat deadlines extended by the stall',
    )
  }

  private drop(ids: number[], why: DropReason): void {
    for (const id of ids) {
      const e = this.entries.get(id)
      if (!e) continue
      this.entries.delete(id)
      this.go.delete(id)
      const linkOpen = e.link.isOpen
      this.o.logger[why === 'unregistered' ? 'info' : 'warn'](
        { service: `${e.info.kind}#${id}`, node: e.info.node, why, linkOpen },
        'center: service dropped',
      )
      for (const fn of this.dropListeners) fn(e.info, why, linkOpen)
    }
    this.push({ up: [], down: ids, full: false })
  }

  private push(u: MembershipUpdateMsg, except?: number): void {
    for (const [id, e] of this.entries) {
      if (id === except || !e.link.isOpen) continue
      this.o.proxy.sendOn(e.link, this.o.wire.membershipUpdate, u)
    }
  }

  /** Send StartupGo to every PREPARING service whose dependencies all have a READY service. */
  private orchestrate(): void {
    const ready = new Set<string>()
    for (const e of this.entries.values()) if (e.info.state === ServiceStates.READY) ready.add(e.info.kind)
    for (const [id, e] of this.entries) {
      if (e.info.state !== ServiceStates.PREPARING || this.go.has(id)) continue
      if (!e.info.dependsOn.every((k) => ready.has(k))) continue
      this.go.add(id)
      this.o.logger.info(
        { service: `${e.info.kind}#${id}`, dependsOn: e.info.dependsOn },
        'center: dependencies ready, starting service',
      )
      this.o.proxy.sendOn(e.link, this.o.wire.startupGo, { readyKinds: [...ready].sort() })
    }
  }
}
