import { BaseComponent, type ComponentFactory, type ServiceContext, type TimerHandle } from '@tessera/kernel'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { MachineIdLeases } from '../machine-ids/index.js'
import type { RegistryComponent } from '../registry/index.js'

/**
 * Logs a periodic status line (uptime, memory, registered services, whether
 * the database answers) so an operator sees the process is alive.
 */
export class StatusReporter extends BaseComponent<ServiceContext<CenterConfig>> {
  private timer: TimerHandle | undefined
  private startedAt = 0

  ready(): void {
    const { logger, config, timers, memory, clock } = this.host.context
    const registry = this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
    const leases = this.host.get<MachineIdLeases>(CenterComponentIds.MachineIds)
    this.startedAt = clock.monotonic()
    this.timer = timers.every(config.center.statusIntervalMs, () => {
      const m = memory.snapshot().process
      logger.info(
        {
          uptimeS: Math.round((clock.monotonic() - this.startedAt) / 1000),
          rss: m.rss,
          heapUsed: m.heapUsed,
          services: registry.list().length,
          databaseDown: leases.leases().databaseDown,
        },
        'status',
      )
    })
  }

  close(): void {
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
    this.timer = undefined
  }
}

// @component center sort=100
export const statusReporter: ComponentFactory<StatusReporter, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.StatusReporter,
  name: 'status-reporter',
  dependsOn: [CenterComponentIds.Registry, CenterComponentIds.MachineIds],
  create: (host) => new StatusReporter(host),
}
