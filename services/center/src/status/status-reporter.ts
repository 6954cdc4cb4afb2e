import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import type { CenterConfig } from '../config.js'

/** Logs a periodic status line (uptime, memory) so an operator sees the process is alive. */
export class StatusReporter extends BaseComponent<ServiceContext<CenterConfig>> {
  private timer: NodeJS.Timeout | undefined
  private readonly startedAt = Date.now()

  ready(): void {
    const { logger, config } = this.host.context
    this.timer = setInterval(() => {
      const m = process.memoryUsage()
      logger.info(
        { uptimeS: Math.round((Date.now() - this.startedAt) / 1000), rss: m.rss, heapUsed: m.heapUsed },
        'status',
      )
    }, config.center.statusIntervalMs).unref()
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
  }
}

// @component center sort=100
export const statusReporter: ComponentFactory<StatusReporter, ServiceContext<CenterConfig>> = {
  typeId: 10_001,
  name: 'status-reporter',
  create: (host) => new StatusReporter(host),
}
