import {
  BaseComponent,
  ClusterSecretSource,
  type ComponentFactory,
  registerNetMetrics,
  type ServiceContext,
  ServiceProxy,
  TcpClusterTransport,
} from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'

/**
 * The center's cluster listener: its own ServiceProxy (the center is not a
 * member of the cluster it coordinates, so `ctx.proxy` is not it). Other
 * components install their handlers on `proxy` during init; the listener
 * opens at ready, once every handler is in place, and closes first at
 * shutdown (willClose), so no request arrives while the rest closes.
 */
export class CenterLink extends BaseComponent<ServiceContext<CenterConfig>> {
  private created: ServiceProxy | undefined
  private secrets: ClusterSecretSource | undefined
  private closing: Promise<void> | undefined
  /** The bound cluster address, `tcp://host:port` (set at ready). */
  address = ''

  get proxy(): ServiceProxy {
    if (!this.created) throw new Error('center link used before init')
    return this.created
  }

  async init(): Promise<void> {
    const { config, serviceId, logger, metrics, timers } = this.host.context
    const c = config.center
    // Reloaded from center.secretFile on SIGHUP: new links prove the new set.
    this.secrets = await ClusterSecretSource.open(c, { logger, timers })
    const transport = new TcpClusterTransport({
      identity: { kind: 'center', serviceId, node: config.app.node },
      secret: this.secrets.secrets,
      encrypt: c.encryptLinks,
      wire: clusterWire,
      logger,
      limits: { service: { heartbeatIntervalMs: c.heartbeatMs, idleTimeoutMs: c.heartbeatTimeoutMs * 2 } },
      timers,
    })
    this.created = new ServiceProxy({ transport, logger, timers })
    registerNetMetrics(metrics, transport.net, 'cluster')
  }

  async ready(): Promise<void> {
    this.address = await this.proxy.listen(this.host.context.config.center.listen)
    this.host.context.logger.info({ address: this.address }, 'center: listening')
  }

  willClose(): Promise<void> {
    if (!this.closing) {
      this.secrets?.close()
      this.closing = this.created?.close() ?? Promise.resolve()
    }
    return this.closing
  }

  close(): Promise<void> {
    return this.willClose()
  }
}

// @component center sort=10
export const centerLink: ComponentFactory<CenterLink, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Link,
  name: 'center-link',
  create: (host) => new CenterLink(host),
}
