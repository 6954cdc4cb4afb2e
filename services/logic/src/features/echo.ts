import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import { Echo } from '@tessera/protocol'
import type { LogicConfig } from '../config.js'
import { SESSION_HOME_ID, type SessionHome } from '../session/index.js'

/** Echo for clients (tests, bots, the cluster-echo benchmark): the same message back. */
export class EchoFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  init(): void {
    this.host.get<SessionHome>(SESSION_HOME_ID).route(Echo, Echo, (m) => m)
  }
}

// @component logic sort=21
export const echoFeature: ComponentFactory<EchoFeature, ServiceContext<LogicConfig>> = {
  typeId: 20_011,
  name: 'echo',
  dependsOn: [SESSION_HOME_ID],
  create: (host) => new EchoFeature(host),
}
