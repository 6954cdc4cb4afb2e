import { BaseComponent, type ComponentFactory, type ServiceContext, type TimerHandle } from '@tessera/kernel'
import type { CenterConfig } from '../config.js'

/** Logs a periodic status line (uptime, memory) so an operator sees the process is alive. */
export class StatusReporter extends BaseComponent<ServiceContext<CenterConfig>> {
  private timer: TimerHandle | undefined
  private readonly startedAt = Date.now()

  ready(): void {
    const { logger, config, timers, memory } = this.host.context
    this.timer = timers.every(config.center.statusIntervalMs, () => {
      const m = memory.snapshot().process
      logger.info(
        { uptimeS: Math.round((Date.now() - this.startedAt) / 1000), rss: m.rss, heapUsed: m.heapUsed },
        'status',
      )
    })
  }

  close(): void {
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
  }
}

// @component center sort=100
export const statusReporter: ComponentFactory<StatusReporter, ServiceContext<CenterConfig>> = {
  typeId: 10_001,
  name: 'status-reporter',
  create: (host) => new StatusReporter(host),
}
