import type { ClusterWire, ServiceInfo } from '@tessera/wire'
import type { NetLimitsInput, NetLogger, NetServer } from '../net/index.js'
import type { Scheduler } from '../timer/index.js'
import { CenterClient } from './center-client.js'
import type { ClusterSecrets } from './cluster-secrets.js'
import type { PeerIdentity } from './link-auth.js'
import { ServiceProxy } from './service-proxy.js'
import { TcpClusterTransport } from './tcp-transport.js'
import { type ServiceState, ServiceStates } from './wire.js'

export interface ClusterMemberOptions {
  identity: PeerIdentity
  /** The cluster secret(s): a ClusterSecrets holder sees reloads. */
  secret: string | readonly string[] | ClusterSecrets
  /** Encrypt this service's links (cluster.encryptLinks). Default false. */
  encryptLinks?: boolean
  /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
  wire?: ClusterWire
  /** Cluster listen address, `tcp://host:port` (port 0 = any). */
  listen: string
  /** The center's cluster address. */
  center: string
  /** Client-facing addresses to advertise besides the cluster one (`ws://...`). */
  advertise?: string[]
  machineId?: number
  /** Machine-id holder token, with what to do when the center confirms or supersedes it (CenterClientOptions). */
  holder?: string
  onConfirmed?: (sentAtMs: number) => void
  onSuperseded?: (err: Error) => void
  /** Kinds that must be READY before this service starts (the center decides). */
  dependsOn?: string[]
  /** Release version to report (ServiceInfo.version). */
  version?: string
  /** The process's admin endpoint to report (ServiceInfo.admin), e.g. `http://127.0.0.1:9101`. */
  admin?: string
  logger?: NetLogger
  limits?: NetLimitsInput
  timeoutMs?: number
  /** Runs the links', requests' and heartbeat's timers (the application's wheel; default: systemTimers()). */
  timers?: Scheduler
}

/**
 * One service in the cluster: its transport, ServiceProxy and center client,
 * joined in one call. What the Application needs for start-up orchestration:
 *
 * ```ts
 * const m = await ClusterMember.join(opts)      // registers as PREPARING
 * await service.host.prepare()                  // init
 * await m.startupGo()                           // dependencies are READY
 * await m.setState(ServiceStates.STARTING)
 * await service.host.startPhases()              // willStartup, startup, ready
 * await m.setState(ServiceStates.READY)         // now open client ports
 * ```
 */
export class ClusterMember {
  readonly proxy: ServiceProxy
  readonly client: CenterClient
  readonly info: ServiceInfo
  /** The server carrying this service's cluster links (for session metrics). */
  readonly net: NetServer
  private go: Promise<void>
  private leaving: Promise<void> | null = null
  private resolveGo!: () => void

  private constructor(proxy: ServiceProxy, client: CenterClient, info: ServiceInfo, net: NetServer) {
    this.proxy = proxy
    this.net = net
    this.client = client
    this.info = info
    this.go = new Promise((r) => (this.resolveGo = r))
  }

  static async join(o: ClusterMemberOptions): Promise<ClusterMember> {
    const transport = new TcpClusterTransport({
      identity: o.identity,
      secret: o.secret,
      encrypt: o.encryptLinks ?? false,
      logger: o.logger,
      limits: o.limits,
      timers: o.timers,
    })
    const proxy = new ServiceProxy({ transport, logger: o.logger, timeoutMs: o.timeoutMs, timers: o.timers })
    try {
      const address = await proxy.listen(o.listen)
      const info: ServiceInfo = {
        ...o.identity,
        addresses: [address, ...(o.advertise ?? [])],
        load: 0,
        machineId: o.machineId ?? 0,
        dependsOn: o.dependsOn ?? [],
        state: ServiceStates.PREPARING,
        startedAtMs: BigInt(Date.now()),
        version: o.version ?? '',
        admin: o.admin ?? '',
      }
      let member: ClusterMember | undefined
      const client = new CenterClient({
        proxy,
        centerAddress: o.center,
        info: () => info,
        logger: o.logger,
        timers: o.timers,
        onStartupGo: () => member?.resolveGo(),
        ...(o.holder === undefined ? {} : { holder: o.holder }),
        ...(o.onConfirmed === undefined ? {} : { onConfirmed: o.onConfirmed }),
        ...(o.onSuperseded === undefined ? {} : { onSuperseded: o.onSuperseded }),
      })
      member = new ClusterMember(proxy, client, info, transport.net)
      await client.start()
      return member
    } catch (err) {
      await proxy.close()
      throw err
    }
  }

  /** Resolves once the center says every dependency is READY. */
  startupGo(): Promise<void> {
    return this.go
  }

  /** Report a new state to the center now (not only at the next heartbeat). */
  async setState(state: ServiceState): Promise<void> {
    this.info.state = state
    await this.client.beat()
  }

  /**
   * Add client-facing addresses once their ports are open (port 0 is only
   * known after listening): registers again so the center and every peer see
   * them, and keeps them for later re-registrations.
   */
  async advertise(addresses: readonly string[]): Promise<void> {
    for (const a of addresses) if (!this.info.addresses.includes(a)) this.info.addresses.push(a)
    await this.client.reregister()
  }

  set load(n: number) {
    this.info.load = n
  }

  /** Drain first: DRAINING is pushed to peers, then unregister and close the links. Every call returns the same promise. */
  leave(): Promise<void> {
    this.leaving ??= this.leaveOnce()
    return this.leaving
  }

  private async leaveOnce(): Promise<void> {
    await this.setState(ServiceStates.DRAINING).catch(() => {})
    await this.client.stop()
    await this.proxy.close()
  }
}
