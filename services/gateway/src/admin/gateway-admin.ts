import {
  BaseComponent,
  CENTER_CHANNEL_ID,
  type ComponentFactory,
  FrameFlag,
  IpFilter,
  type Link,
  type ServiceContext,
} from '@tessera/kernel'
import {
  GateAdminDone,
  GateDrain,
  GateIpRules,
  GateIpRulesGet,
  GateKickUser,
  GateNotice,
  GateUndrain,
  type MessageType,
  Notice,
} from '@tessera/protocol'
import type { GatewayConfig } from '../config.js'
import type { GatewayConn } from '../edge/index.js'
import { GatewayKicked } from '../errors.js'
import { GATEWAY_FRONT_ID, type GatewayFront } from '../gateway-front.js'

/**
 * Operator actions from the center (proto/gate/admin.proto): the client IP
 * lists, kicks by user id, notices to every client. Only the center's link
 * may send them. The IP lists are fetched at startup, before the client
 * ports open at `ready`, and replaced whenever the center pushes a newer
 * version; connections from an address the new lists refuse are closed
 * with Kick{KICK_ADMIN} and their players released (no resume).
 */
export class GatewayAdmin extends BaseComponent<ServiceContext<GatewayConfig>> {
  /** Version of the IP lists in force (-1 = none received yet). */
  rulesVersion = -1n
  private started = false
  /** Lists pushed before startup (applied then, if newer than the ones fetched). */
  private early: GateIpRules | null = null

  private get front(): GatewayFront {
    return this.host.get<GatewayFront>(GATEWAY_FRONT_ID)
  }

  init(): void {
    this.fromCenter(GateIpRules, (m) => this.applyRules(m))
    this.fromCenter(GateKickUser, (m) =>
      this.front.edge.kickUser(m.userId, m.message, new GatewayKicked(m.message || 'no reason given')),
    )
    this.fromCenter(GateNotice, (m) => this.notice(m))
    this.fromCenter(GateDrain, (m) => this.front.drain(m.message))
    this.fromCenter(GateUndrain, () => this.front.undrain())
  }

  async startup(): Promise<void> {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) return
    const rules = await ctx.proxy.request(CENTER_CHANNEL_ID, GateIpRulesGet, {}, GateIpRules, {
      timeoutMs: ctx.config.cluster.requestTimeoutMs,
    })
    this.started = true
    this.applyRules(rules)
    if (this.early) this.applyRules(this.early)
    this.early = null
  }

  /**
   * Handle an action of `type` from the center: run it (now if the edge is
   * up; a push that arrives before startup is only kept when it is IP lists)
   * and answer GateAdminDone when it carries an action id.
   */
  private fromCenter<T extends { actionId: number }>(
    type: MessageType<T>,
    run: (m: T) => number | Promise<number>,
  ): void {
    const ctx = this.host.context
    ctx.proxy.on(type, async (m: T, link: Link) => {
      if (link.peer.kind !== 'center') {
        ctx.logger.warn(
          { peer: `${link.peer.kind}#${link.peer.serviceId}`, type: type.name },
          'admin action from a non-center peer ignored',
        )
        return
      }
      let affected = 0
      let error = ''
      try {
        if (!this.started) {
          if (type === (GateIpRules as MessageType<unknown>)) this.early = m as unknown as GateIpRules
          else throw new Error('gateway still starting')
        } else affected = await run(m)
      } catch (err) {
        error = (err as Error).message
        ctx.logger.error({ err, type: type.name }, 'admin action failed')
      }
      ctx.logger.info({ action: type.name, actionId: m.actionId, affected }, 'admin action applied')
      // The handler is async (undrain listens): a failed answer is logged, never an unhandled rejection.
      try {
        if (m.actionId !== 0)
          ctx.proxy.notify(CENTER_CHANNEL_ID, GateAdminDone, {
            actionId: m.actionId,
            serviceId: ctx.serviceId,
            affected,
            error,
          })
      } catch (err) {
        ctx.logger.warn({ err, type: type.name }, 'admin action answer not sent')
      }
    })
  }

  /** Swap in newer lists; close the connections they now refuse. Returns how many were closed. */
  private applyRules(m: GateIpRules): number {
    if (m.version < this.rulesVersion) return 0
    const rules = { allow: m.allow, deny: m.deny }
    const filter = new IpFilter(rules)
    const net = this.front.edge.net
    net.setIpRules(rules)
    this.rulesVersion = m.version
    let closed = 0
    const why = 'your address is not allowed'
    for (const s of net.list()) {
      if (filter.allows(s.remoteIp) || !s.isOpen) continue
      this.front.edge.kickSession(s, why, new GatewayKicked(`address ${s.remoteIp} denied`))
      closed++
    }
    return closed
  }

  /** Write a Notice to every handshaken client (a control frame: not sequenced, not sealed). */
  private notice(m: GateNotice): number {
    const body = Notice.encode({ text: m.text, sentAtMs: m.sentAtMs })
    let n = 0
    for (const s of this.front.edge.net.list()) {
      const c = s.data as GatewayConn | undefined
      if (c?.phase !== 'open' || !s.isOpen) continue
      s.send(FrameFlag.PRIORITY, Notice.msgId, 0, body)
      n++
    }
    return n
  }
}

/** Type id of the gateway's admin actions (gateway range 12000-12999). */
export const GATEWAY_ADMIN_ID = 12_001

// @component gateway sort=20
export const gatewayAdmin: ComponentFactory<GatewayAdmin, ServiceContext<GatewayConfig>> = {
  typeId: GATEWAY_ADMIN_ID,
  name: 'gateway-admin',
  dependsOn: [GATEWAY_FRONT_ID],
  create: (host) => new GatewayAdmin(host),
}
