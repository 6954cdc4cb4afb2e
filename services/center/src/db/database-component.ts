import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import { STATEMENT_CLASSES } from '@tessera/storage'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import { CenterDatabase } from './center-database.js'

/**
 * The center's MySQL database (machine-id leases, ownership epochs): opened
 * at willStartup, closed last. Its statement figures are exported as
 * `tessera_center_db_statements`.
 */
export class DatabaseComponent extends BaseComponent<ServiceContext<CenterConfig>> {
  private opened: CenterDatabase | undefined
  private closing: Promise<void> | undefined

  get db(): CenterDatabase {
    if (!this.opened) throw new Error('center database used before willStartup')
    return this.opened
  }

  async willStartup(): Promise<void> {
    const { config, timers, logger, metrics } = this.host.context
    const c = config.center
    this.opened = await CenterDatabase.open({
      url: c.mysqlUrl,
      database: c.database,
      timeoutMs: c.dbTimeoutMs,
      timers,
      logger,
    })
    const queries = this.opened.queries
    metrics.gauge<'class' | 'figure'>({
      name: 'tessera_center_db_statements',
      help: 'Center database statements by class: count and errors since start, qps over the last scrape window, latency min/max/avg in ms',
      labelNames: ['class', 'figure'],
      collect() {
        const s = queries.snapshot()
        for (const cls of STATEMENT_CLASSES)
          for (const figure of ['count', 'errors', 'qps', 'minMs', 'maxMs', 'avgMs'] as const)
            this.set({ class: cls, figure }, s[cls][figure])
      },
    })
    logger.info({ database: c.database, timeoutMs: c.dbTimeoutMs }, 'center: database open')
  }

  close(): Promise<void> {
    if (!this.closing) this.closing = this.opened?.close() ?? Promise.resolve()
    return this.closing
  }
}

// @component center sort=10
export const databaseComponent: ComponentFactory<DatabaseComponent, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Database,
  name: 'center-database',
  create: (host) => new DatabaseComponent(host),
}
