import { readFileSync } from 'node:fs'
import {
  type AdminServer,
  BaseComponent,
  type ComponentFactory,
  type ServiceContext,
  sendJson,
  startAdminServer,
} from '@tessera/kernel'
import type { AdminWeb } from '../admin-web/index.js'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { GatewayControl } from '../gateway-control/index.js'
import type { CenterLink } from '../link/index.js'
import type { MachineIdLeases } from '../machine-ids/index.js'
import type { RegistryComponent } from '../registry/index.js'
import type { ShardComponent } from '../shards/index.js'
import { chatRoutes } from './chat-routes.js'
import { gatewayRoutes } from './gateway-routes.js'

/**
 * The center's admin endpoint on `center.admin`: the process metrics,
 * `/admin/state`, `/healthz`, `/admin/cluster` (every registered service
 * and every machine-id lease) and the operator actions on gateways
 * (gateway-routes.ts), and the operator web page under /ui (admin-web/).
 * Its POST /admin routes need the admin bearer token. Nothing here waits for the database: leases
 * come from the machine-id component's cache, with the time it was read.
 */
export class CenterAdmin extends BaseComponent<ServiceContext<CenterConfig>> {
  private server: AdminServer | undefined
  private closing: Promise<void> | undefined
  /** The bound address (empty when `center.admin` is empty). */
  address = ''

  async startup(): Promise<void> {
    const { config, metrics, logger } = this.host.context
    if (!config.center.admin) return
    const scriptRoutes = {
      ...gatewayRoutes(() => this.host.get<GatewayControl>(CenterComponentIds.GatewayControl)),
      ...chatRoutes(this.host),
      ...this.host.get<ShardComponent>(CenterComponentIds.Shards).routes(),
    }
    const secure = /^(https|wss|tls):/.test(config.center.admin)
    this.server = await startAdminServer({
      address: config.center.admin,
      metrics,
      logger,
      state: () => this.state(),
      token: adminToken(config.center),
      routes: {
        'GET /admin/cluster': (_req, res) => sendJson(res, 200, this.clusterView()),
        'GET /admin/shards': (_req, res) =>
          sendJson(res, 200, this.host.get<ShardComponent>(CenterComponentIds.Shards).view()),
        ...scriptRoutes,
      },
      // The operator page (/ui) checks its own session cookie and CSRF token.
      selfAuthRoutes: this.host.get<AdminWeb>(CenterComponentIds.AdminWeb).routes(scriptRoutes, secure),
    })
    this.address = this.server.address
    logger.info({ admin: this.address }, 'center: admin listening')
  }

  /** `GET /admin/state`: the center link's proxy and whether the registry is complete. */
  state(): Record<string, unknown> {
    const registry = this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
    return {
      center: this.host.get<CenterLink>(CenterComponentIds.Link).proxy.state(),
      registryComplete: registry.complete,
    }
  }

  /** `GET /admin/cluster`: the whole cluster as the center sees it. */
  clusterView(): Record<string, unknown> {
    const registry = this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
    const { leases, asOfMs, databaseDown } = this.host
      .get<MachineIdLeases>(CenterComponentIds.MachineIds)
      .leases()
    return {
      complete: registry.complete,
      services: registry.list(),
      machineIds: leases.map(({ holder, ...l }) => ({ ...l, holder: holder ? holder.slice(0, 8) : null })),
      machineIdsAsOfMs: asOfMs,
      databaseDown,
    }
  }

  close(): Promise<void> {
    if (!this.closing) this.closing = this.server?.close() ?? Promise.resolve()
    return this.closing
  }
}

/** The operator token: `center.adminToken`, else the contents of `center.adminTokenFile`. */
function adminToken(c: CenterConfig['center']): string | undefined {
  if (c.adminToken) return c.adminToken
  if (!c.adminTokenFile) return undefined
  const t = readFileSync(c.adminTokenFile, 'utf8').trim()
  if (t.length < 16)
    throw new Error(`center.adminTokenFile ${c.adminTokenFile}: the token must be at least 16 characters`)
  return t
}

// @component center sort=50
export const centerAdmin: ComponentFactory<CenterAdmin, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Admin,
  name: 'center-admin',
  dependsOn: [
    CenterComponentIds.Link,
    CenterComponentIds.Registry,
    CenterComponentIds.MachineIds,
    CenterComponentIds.GatewayControl,
    CenterComponentIds.AdminWeb,
    CenterComponentIds.Shards,
  ],
  create: (host) => new CenterAdmin(host),
}
