import { BaseComponent, type ComponentFactory, type Link, type ServiceContext } from '@tessera/kernel'
import type { LoginConfig } from '../config.js'
import { LoginNotYourGateway } from '../errors.js'
import { type GatewayInstance, gatewayGroup } from '../handoff/index.js'
import { LOGIN_CORE_ID, type LoginCore } from '../login-core.js'
import { HandoffRedeem, HandoffRedeemOk, SessionReport, SessionReportOk } from '../wire.js'

export const LOGIN_CLUSTER_API_ID = 30_002

/**
 * The login service's cluster API, used by the gateways (docs/login.md,
 * "Cluster API"): HandoffRedeem → HandoffRedeemOk, SessionReport →
 * SessionReportOk, and the SessionKick notification login sends back. Any
 * login process answers any gateway: the state is in the shared database.
 *
 * A gateway may only act for itself: the service id in a request must be
 * the authenticated peer of the link it came on, so a compromised or buggy
 * service cannot redeem tokens issued for another gateway.
 */
export class LoginClusterApi extends BaseComponent<ServiceContext<LoginConfig>> {
  private unwatch: (() => void) | undefined

  startup(): void {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) return
    const core = this.host.get<LoginCore>(LOGIN_CORE_ID)
    const proxy = ctx.proxy
    proxy.handle(HandoffRedeem, HandoffRedeemOk, async (m, link) => {
      const at = this.instance(m.gatewayServiceId, link)
      const r = await core.service.redeem(m.token, at)
      return HandoffRedeemOk.create({
        userId: r.userId,
        account: r.account,
        nickname: r.nickname,
        loginEpoch: r.loginEpoch,
      })
    })
    proxy.handle(SessionReport, SessionReportOk, async (m, link) => {
      const at = this.instance(m.gatewayServiceId, link)
      const online = await core.service.report(at, m.online, m.offline, m.full)
      return SessionReportOk.create({ online })
    })
    // A gateway that left the cluster no longer holds anyone.
    this.unwatch = proxy.membership.onChange((c) => {
      for (const s of c.down) {
        if (s.kind !== 'gateway') continue
        core.service.gatewayGone({ serviceId: s.serviceId, startedAtMs: s.startedAtMs }).catch((err) => {
          ctx.logger.warn({ err, gateway: s.serviceId }, 'login: cannot drop the sessions of a gone gateway')
        })
      }
    })
  }

  close(): void {
    this.unwatch?.()
  }

  /** The gateway instance behind `link`, which must be the gateway named in the request. */
  private instance(gatewayServiceId: number, link: Link): GatewayInstance {
    const peer = link.peer
    if (peer.kind !== 'gateway' || peer.serviceId !== gatewayServiceId)
      throw new LoginNotYourGateway(gatewayServiceId, `${peer.kind}#${peer.serviceId}`)
    const member = this.host.context.proxy.membership.get(gatewayServiceId)
    // Not (yet) in our view of the registry: its rows get start time 0 and
    // are replaced by the gateway's next full report.
    return {
      serviceId: gatewayServiceId,
      startedAtMs: member?.startedAtMs ?? 0n,
      group: member ? gatewayGroup(member) : '',
    }
  }
}

// @component login sort=20
export const loginClusterApi: ComponentFactory<LoginClusterApi, ServiceContext<LoginConfig>> = {
  typeId: LOGIN_CLUSTER_API_ID,
  name: 'login-cluster-api',
  dependsOn: [LOGIN_CORE_ID],
  create: (host) => new LoginClusterApi(host),
}
