import { readFileSync } from 'node:fs'
import {
  BaseComponent,
  type ComponentFactory,
  EdgeServer,
  edgeControlCodec,
  formatAddress,
  NetServer,
  registerNetMetrics,
  type ServiceContext,
  type TimerHandle,
  TlsContexts,
} from '@tessera/kernel'
import { createRegistry, SCHEMA_HASH } from '@tessera/protocol'
import type { LoginConfig } from '../config.js'
import { LOGIN_CORE_ID, type LoginCore } from '../login-core.js'
import { loginHttpRoutes } from './http-routes.js'
import { LOGIN_OPS } from './login-ops.js'
import { OpCounter } from './op-counter.js'
import { checkFronts } from './plaintext-fronts.js'
import { anonymousOnly, routeLoginOps } from './socket-front.js'
import { SocketQueue } from './socket-queue.js'

export const LOGIN_FRONT_ID = 30_003

/**
 * The client-facing ports: the JSON API on `http://` (and `auto://`)
 * addresses, the Tessera protocol (edge sessions) on `tcp://`, `ws://` and
 * `auto://`, and WebSocket upgrades on `http://` at /ws. Both paths run the
 * same {@link LOGIN_OPS} against the same LoginService. Ports open in the
 * `ready` phase (after the database is open and, in a cluster, after the
 * center said go) and close first on shutdown.
 *
 * Under node:cluster every worker listens on the same addresses; the
 * primary hands each new connection to one worker.
 */
export class LoginFront extends BaseComponent<ServiceContext<LoginConfig>> {
  net: NetServer | undefined
  edge: EdgeServer | undefined
  /** Bound addresses, in `login.listen` order (ports resolved). */
  readonly bound: string[] = []
  private queueTimer: TimerHandle | undefined
  private tls: TlsContexts | undefined

  /** Before anything opens: no plaintext front on a network address unless allowed. */
  init(): void {
    checkFronts(this.host.context.config.login)
  }

  async ready(): Promise<void> {
    const ctx = this.host.context
    const c = ctx.config.login
    const core = this.host.get<LoginCore>(LOGIN_CORE_ID)
    const service = () => core.service
    const counter = new OpCounter(ctx.metrics)
    const queue = new SocketQueue(service, ctx.logger)
    const registry = createRegistry()
    const edge = new EdgeServer({
      registry,
      schemaHash: SCHEMA_HASH,
      verifyToken: anonymousOnly,
      encryption: c.edge.encryption,
      ...(c.edge.signingKeyFile ? { signingKey: readFileSync(c.edge.signingKeyFile) } : {}),
      resumeGraceMs: c.edge.resumeGraceMs,
      handlerTimeoutMs: c.edge.handlerTimeoutMs,
      logger: ctx.logger,
      clock: ctx.clock,
      timers: ctx.timers,
      onSessionEnd: (s) => queue.remove(s),
    })
    routeLoginOps(edge, { ops: LOGIN_OPS, service, queue, counter, logger: ctx.logger })
    const net = new NetServer({
      handler: edge,
      control: edgeControlCodec,
      logger: ctx.logger,
      timers: ctx.timers,
    })
    registerNetMetrics(ctx.metrics, net, `login:${ctx.serviceId}`)
    this.edge = edge
    this.net = net
    const routes = loginHttpRoutes({ ops: LOGIN_OPS, service, http: c.http, counter, logger: ctx.logger })
    // Certificates reload on file change and SIGHUP; live connections keep theirs.
    if (c.tls) this.tls = (await TlsContexts.load(c.tls, ctx.logger, ctx.timers)).reloadOnSignal('SIGHUP')
    for (const address of c.listen) {
      const l = await net.listen(address, 'client', { routes, tls: this.tls })
      this.bound.push(formatAddress(l.address))
    }
    this.queueTimer = ctx.timers.every(c.admission.updateMs, () => void queue.tick())
    ctx.logger.info({ listen: this.bound, pid: process.pid }, 'login: front listening')
  }

  async willClose(): Promise<void> {
    const ctx = this.host.context
    if (this.queueTimer !== undefined) ctx.timers.cancel(this.queueTimer)
    this.edge?.close()
    await this.net?.close()
    this.tls?.close()
  }
}

// @component login sort=30
export const loginFront: ComponentFactory<LoginFront, ServiceContext<LoginConfig>> = {
  typeId: LOGIN_FRONT_ID,
  name: 'login-front',
  dependsOn: [LOGIN_CORE_ID],
  create: (host) => new LoginFront(host),
}
