import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import {
  GateAdminDone,
  GateDrain,
  GateIpRules,
  GateIpRulesGet,
  GateKickUser,
  GateNotice,
  GateUndrain,
  type MessageType,
} from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { DatabaseComponent } from '../db/index.js'
import { CenterBadAdminRequest } from '../errors.js'
import type { CenterLink } from '../link/index.js'
import type { RegistryComponent } from '../registry/index.js'
import { type ActionOutcome, ActionReplies } from './action-replies.js'
import { type IpRuleChange, type IpRuleSet, IpRulesStore } from './ip-rules-store.js'

/** Tries to load the IP lists at startup before the center gives up. */
const LOAD_ATTEMPTS = 5

/** Longest notice text (bytes of UTF-8) and kick message. */
export const MAX_NOTICE_BYTES = 4096
export const MAX_KICK_MESSAGE_BYTES = 256

/**
 * Operator actions on every gateway process: kick a user, the client IP
 * allow/deny lists, a notice to every connected client. Each registered
 * gateway (node:cluster workers are gateways of their own) gets the action
 * on its own link to the center and answers GateAdminDone; the admin route
 * returns what each did. The IP lists live in the center's database; a
 * gateway fetches them before it opens its client ports (GateIpRulesGet)
 * and gets them again whenever it registers again (after a center restart
 * or a lost link), so none keeps serving an address denied meanwhile.
 */
export class GatewayControl extends BaseComponent<ServiceContext<CenterConfig>> {
  private rulesStore: IpRulesStore | undefined
  private current: IpRuleSet = { version: 0n, allow: [], deny: [] }
  private replies: ActionReplies | undefined
  /** Rule changes one at a time, so pushes leave in version order. */
  private changing: Promise<unknown> = Promise.resolve()

  get rules(): IpRuleSet {
    return this.current
  }

  init(): void {
    const proxy = this.link.proxy
    const replies = new ActionReplies(this.host.context.config.center.adminWaitMs)
    this.replies = replies
    proxy.handle(GateIpRulesGet, GateIpRules, () => this.rulesMessage(0))
    proxy.on(GateAdminDone, (m, link) => {
      // A gateway answers for itself only.
      if (link.peer.kind !== 'gateway' || link.peer.serviceId !== m.serviceId) return
      replies.reply(m.actionId, {
        serviceId: m.serviceId,
        affected: m.affected,
        ...(m.error ? { error: m.error } : {}),
      })
    })
    this.registry.onRegistered((info) => {
      if (info.kind !== 'gateway') return
      const link = this.registry.linkOf(info.serviceId)
      if (link) proxy.sendOn(link, GateIpRules, this.rulesMessage(0))
    })
  }

  async startup(): Promise<void> {
    const store = new IpRulesStore(this.host.get<DatabaseComponent>(CenterComponentIds.Database).db)
    this.rulesStore = store
    // The gateways must not start without their lists, nor the center give
    // up on a database that is only slow for a moment: a few tries.
    for (let attempt = 1; ; attempt++) {
      try {
        this.current = await store.load()
        break
      } catch (err) {
        if (attempt >= LOAD_ATTEMPTS) throw err
        this.host.context.logger.warn({ err, attempt }, 'center: gateway IP lists not loaded yet; retrying')
        await new Promise((r) => setTimeout(r, 500 * attempt))
      }
    }
    this.host.context.logger.info(
      {
        version: String(this.current.version),
        allow: this.current.allow.length,
        deny: this.current.deny.length,
      },
      'center: gateway IP lists loaded',
    )
  }

  /** End every session of `userId` on every gateway with Kick{KICK_ADMIN, message}. */
  kick(userId: bigint, message: string): Promise<ActionOutcome> {
    if (userId <= 0n) throw new CenterBadAdminRequest('userId must be a positive user id')
    checkText('message', message, MAX_KICK_MESSAGE_BYTES, true)
    return this.toGateways(GateKickUser, (actionId) => ({ actionId, userId, message }))
  }

  /** Push a Notice to every connected client of every gateway. */
  notice(text: string): Promise<ActionOutcome> {
    checkText('text', text, MAX_NOTICE_BYTES, false)
    const sentAtMs = BigInt(this.host.context.clock.now())
    return this.toGateways(GateNotice, (actionId) => ({ actionId, text, sentAtMs }))
  }

  /**
   * Drain one gateway (proto/gate/drain.proto): it reports DRAINING, closes
   * its client ports and moves its clients to the others. Refused when no
   * such gateway is registered.
   */
  drain(serviceId: number, message: string): Promise<ActionOutcome> {
    checkText('message', message, MAX_KICK_MESSAGE_BYTES, true)
    this.gateway(serviceId)
    this.host.context.logger.warn({ gateway: serviceId, message }, 'center: draining a gateway')
    return this.toGateways(GateDrain, (actionId) => ({ actionId, message }), serviceId)
  }

  /**
   * End a drain of one gateway (proto/gate/drain.proto GateUndrain): it opens
   * its client ports again and reports READY. Refused when no such gateway
   * is registered; `affected` is 0 when it was not draining.
   */
  undrain(serviceId: number): Promise<ActionOutcome> {
    this.gateway(serviceId)
    this.host.context.logger.warn({ gateway: serviceId }, 'center: undraining a gateway')
    return this.toGateways(GateUndrain, (actionId) => ({ actionId }), serviceId)
  }

  private gateway(serviceId: number): void {
    const target = this.registry.list().find((s) => s.serviceId === serviceId)
    if (target?.kind !== 'gateway') throw new CenterBadAdminRequest(`no gateway #${serviceId} is registered`)
  }

  /** Change the IP lists, store them, and have every gateway apply them (closing newly refused sessions). */
  changeIpRules(c: IpRuleChange): Promise<{ rules: IpRuleSet; outcome: ActionOutcome }> {
    const run = this.changing.then(async () => {
      const store = this.rulesStore
      if (!store) throw new Error('gateway control used before startup')
      this.current = await store.change(c, this.host.context.clock.now())
      this.host.context.logger.info(
        { version: String(this.current.version), allow: this.current.allow, deny: this.current.deny },
        'center: gateway IP lists changed',
      )
      const outcome = await this.toGateways(GateIpRules, (actionId) => this.rulesMessage(actionId))
      return { rules: this.current, outcome }
    })
    this.changing = run.catch(() => {})
    return run
  }

  close(): void {
    this.replies?.close()
  }

  private rulesMessage(actionId: number): GateIpRules {
    const r = this.current
    return { version: r.version, allow: r.allow, deny: r.deny, actionId }
  }

  /** Send to every registered gateway (or only `only`) with an open link; collect their answers. */
  private toGateways<T>(
    type: MessageType<T>,
    msg: (actionId: number) => T,
    only?: number,
  ): Promise<ActionOutcome> {
    const proxy = this.link.proxy
    return this.replies!.collect((actionId) => {
      const body = msg(actionId)
      const sent: number[] = []
      for (const s of this.registry.list()) {
        if (s.kind !== 'gateway' || (only !== undefined && s.serviceId !== only)) continue
        const link = this.registry.linkOf(s.serviceId)
        if (link && proxy.sendOn(link, type, body)) sent.push(s.serviceId)
      }
      return sent
    })
  }

  private get link(): CenterLink {
    return this.host.get<CenterLink>(CenterComponentIds.Link)
  }

  private get registry() {
    return this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
  }
}

function checkText(field: string, s: string, maxBytes: number, emptyOk: boolean): void {
  if (typeof s !== 'string') throw new CenterBadAdminRequest(`${field} must be a string`)
  if (!emptyOk && s.trim() === '') throw new CenterBadAdminRequest(`${field} must not be empty`)
  const n = Buffer.byteLength(s)
  if (n > maxBytes) throw new CenterBadAdminRequest(`${field} is ${n} bytes > max ${maxBytes}`)
}

// @component center sort=45
export const gatewayControl: ComponentFactory<GatewayControl, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.GatewayControl,
  name: 'center-gateway-control',
  dependsOn: [CenterComponentIds.Database, CenterComponentIds.Link, CenterComponentIds.Registry],
  create: (host) => new GatewayControl(host),
}
