import { BaseComponent, type ComponentFactory, type ServiceContext, type TimerHandle } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { CenterLink } from '../link/index.js'
import { Registry } from './registry.js'

/**
 * The registry as a component: its handlers go on the center link at init,
 * and the sweep (dropping silent services, ending the settling window)
 * runs on the service's timer wheel every half heartbeat.
 */
export class RegistryComponent extends BaseComponent<ServiceContext<CenterConfig>> {
  private created: Registry | undefined
  private sweeper: TimerHandle | undefined

  get registry(): Registry {
    if (!this.created) throw new Error('registry used before init')
    return this.created
  }

  init(): void {
    const { config, logger, clock, metrics } = this.host.context
    const c = config.center
    const registry = new Registry({
      proxy: this.host.get<CenterLink>(CenterComponentIds.Link).proxy,
      wire: clusterWire,
      logger,
      now: () => clock.monotonic(),
      heartbeatMs: c.heartbeatMs,
      heartbeatTimeoutMs: c.heartbeatTimeoutMs,
      sweepMs: sweepEvery(c.heartbeatMs),
    })
    this.created = registry
    // A service that stopped heartbeating is an operator's business (a
    // deliberate leave is not).
    registry.onDropped((info, why, linkOpen) => {
      if (why !== 'heartbeat timeout') return
      this.host.context.alert({
        kind: 'service-down',
        severity: 'critical',
        title: `${info.kind}#${info.serviceId} on ${info.node} is down`,
        text: linkOpen
          ? `no heartbeat for ${c.heartbeatTimeoutMs} ms while its link stayed open: the process is hung (or its node is overloaded)`
          : `no heartbeat for ${c.heartbeatTimeoutMs} ms and its link closed: the process crashed or was killed`,
        service: `${info.kind}#${info.serviceId}`,
        node: info.node,
      })
    })
    metrics.gauge<'kind'>({
      name: 'tessera_center_services',
      help: 'Registered services by kind',
      labelNames: ['kind'],
      collect() {
        this.reset()
        const n = new Map<string, number>()
        for (const s of registry.list()) n.set(s.kind, (n.get(s.kind) ?? 0) + 1)
        for (const [kind, v] of n) this.set({ kind }, v)
      },
    })
  }

  startup(): void {
    const { timers, config } = this.host.context
    this.sweeper = timers.every(sweepEvery(config.center.heartbeatMs), () => this.registry.sweep())
  }

  close(): void {
    if (this.sweeper !== undefined) this.host.context.timers.cancel(this.sweeper)
    this.sweeper = undefined
  }
}

/** The sweep runs every half heartbeat (at least every 50 ms). */
const sweepEvery = (heartbeatMs: number): number => Math.max(50, Math.floor(heartbeatMs / 2))

// @component center sort=20
export const registryComponent: ComponentFactory<RegistryComponent, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Registry,
  name: 'center-registry',
  dependsOn: [CenterComponentIds.Link],
  create: (host) => new RegistryComponent(host),
}
