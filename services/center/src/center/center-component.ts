import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import { CenterNode } from '../center-node.js'
import type { CenterConfig } from '../config.js'

/** Runs the {@link CenterNode}: opened at startup, closed at close. */
export class CenterComponent extends BaseComponent<ServiceContext<CenterConfig>> {
  node: CenterNode | undefined

  async startup(): Promise<void> {
    const { config, logger, serviceId } = this.host.context
    const c = config.center
    this.node = new CenterNode({
      serviceId,
      node: config.app.node,
      listen: c.listen,
      admin: c.admin,
      secret: c.secret,
      mysqlUrl: c.mysqlUrl,
      database: c.database,
      leaseMs: c.leaseMs,
      machineIds: c.machineIds,
      heartbeatMs: c.heartbeatMs,
      heartbeatTimeoutMs: c.heartbeatTimeoutMs,
      logger,
    })
    await this.node.start()
  }

  async close(): Promise<void> {
    await this.node?.close()
  }
}

// @component center sort=10
export const centerComponent: ComponentFactory<CenterComponent, ServiceContext<CenterConfig>> = {
  typeId: 10_002,
  name: 'center',
  create: (host) => new CenterComponent(host),
}
