import { readFileSync } from 'node:fs'
import {
  BaseComponent,
  type ComponentFactory,
  edgeControlCodec,
  followShardTable,
  formatAddress,
  type Listener,
  loadSigningKey,
  MemoryGuard,
  NetServer,
  registerMemoryGuardMetrics,
  type ServiceContext,
  ServiceStates,
  ShardMap,
  type TimerHandle,
  TlsContexts,
} from '@tessera/kernel'
import { SessionKick, ShardTableGet, ShardTableState, ToClient } from '@tessera/protocol'
import { LoginRedeemer } from './auth/index.js'
import type { GatewayConfig } from './config.js'
import { GatewayEdge } from './edge/index.js'
import { GatewayDraining, GatewayKicked } from './errors.js'
import { SessionReports } from './login-link/session-reports.js'

/**
 * The gateway service: client ports (opened at `ready`, then advertised to
 * the center so login can hand players to them), the edge handler, and the
 * ToClient traffic from logic.
 */
export class GatewayFront extends BaseComponent<ServiceContext<GatewayConfig>> {
  private edgeRef: GatewayEdge | undefined
  private loadTimer: TimerHandle | undefined
  private reportTimer: TimerHandle | undefined
  private reports: SessionReports | undefined
  private shards: ShardMap | undefined
  private stopShards: (() => void) | undefined
  private tls: TlsContexts | undefined
  private guard: MemoryGuard | undefined
  private unexportGuard: (() => void) | undefined
  private readonly listeners: Listener[] = []
  /** Set by {@link drain}: no new connections, until {@link undrain} or a restart. */
  draining = false
  /** The client addresses bound at `ready` (real ports), reopened by {@link undrain}. */
  private bound: string[] = []
  private closing = false

  get edge(): GatewayEdge {
    if (!this.edgeRef) throw new Error('gateway edge used before startup')
    return this.edgeRef
  }

  init(): void {
    const g = this.host.context.config.gateway
    this.shards = new ShardMap(g.logicSlots, g.shards, 'gateway.logicSlots')
    // At init: the center pushes the table as soon as this service registers.
    const ctx = this.host.context
    if (ctx.config.cluster.center)
      this.stopShards = followShardTable({
        proxy: ctx.proxy,
        map: this.shards,
        get: ShardTableGet,
        state: ShardTableState,
        everyMs: g.shardRefreshMs,
        timeoutMs: ctx.config.cluster.requestTimeoutMs,
        logger: ctx.logger,
        timers: ctx.timers,
      })
  }

  startup(): void {
    const ctx = this.host.context
    const g = ctx.config.gateway
    const proxy = ctx.proxy
    const logger = ctx.logger
    const timeoutMs = ctx.config.cluster.requestTimeoutMs
    const reports = new SessionReports(proxy, ctx.serviceId, logger, timeoutMs)
    this.reports = reports
    const guard = MemoryGuard.fromConfig(g.memoryGuard, {
      scope: `gateway#${ctx.serviceId}`,
      timers: ctx.timers,
      logger,
      onAlert: ctx.alert,
    }).start()
    this.guard = guard
    this.unexportGuard = registerMemoryGuardMetrics(ctx.metrics, guard)
    this.edgeRef = new GatewayEdge(
      {
        serviceId: ctx.serviceId,
        proxy,
        shards: this.shards!,
        redeemer: new LoginRedeemer(proxy, timeoutMs),
        logger,
        encryption: g.encryption,
        encryptionByStack: g.encryptionByStack,
        compression: g.compression,
        keyRotateMs: g.keyRotateMs,
        signingKey: g.signingKeyFile ? loadSigningKey(readFileSync(g.signingKeyFile)) : undefined,
        minClientVersion: g.minClientVersion,
        requestTimeoutMs: timeoutMs,
        shardHoldMs: g.shardHoldMs,
        memoryGuard: guard,
        onOnline: (c) => reports.wentOnline({ userId: c.userId, loginEpoch: c.loginEpoch }),
        onOffline: (c) => reports.wentOffline({ userId: c.userId, loginEpoch: c.loginEpoch }),
      },
      (handler) =>
        new NetServer({
          handler,
          control: edgeControlCodec,
          logger,
          timers: ctx.timers,
          limits: {
            acceptRatePerSec: g.acceptRatePerSec,
            maxConnectionsPerIp: g.maxConnectionsPerIp,
            maxConnections: g.maxConnections,
            maxPendingPerIp: g.maxPendingPerIp,
            client: {
              msgRatePerSec: g.clientMsgRatePerSec,
              heartbeatIntervalMs: g.clientHeartbeatMs,
              idleTimeoutMs: g.clientIdleTimeoutMs,
            },
          },
        }),
    )
    proxy.on(ToClient, (m) => this.edge.onToClient(m))
    // Logout or password change at login: end sessions of older logins.
    proxy.on(SessionKick, (m) => {
      const why = m.reason || 'logged out'
      this.edge.kickUser(m.userId, why, new GatewayKicked(why), m.loginEpoch)
    })
  }

  async ready(): Promise<void> {
    const ctx = this.host.context
    const g = ctx.config.gateway
    const bound: string[] = []
    // Certificates reload on file change and SIGHUP; live connections keep theirs.
    if (g.tls) this.tls = (await TlsContexts.load(g.tls, ctx.logger, ctx.timers)).reloadOnSignal('SIGHUP')
    for (const a of g.listen) {
      const l = await this.edge.net.listen(a, 'client', { tls: this.tls })
      this.listeners.push(l)
      bound.push(formatAddress(l.address))
    }
    this.bound = bound
    ctx.logger.info({ addresses: bound }, 'client ports open')
    const member = ctx.member
    if (member) {
      await member.advertise(g.advertise ?? bound)
      this.loadTimer = ctx.timers.every(g.loadReportMs, () => {
        member.load = this.edge.size
      })
    }
    const full = () =>
      this.reports?.full(this.edge.openConns().map((c) => ({ userId: c.userId, loginEpoch: c.loginEpoch })))
    full()
    this.reportTimer = ctx.timers.every(g.sessionReportMs, full)
  }

  /**
   * Drain (an operator action, proto/gate/drain.proto): report DRAINING so
   * login hands no more players here, close the client ports, and move every
   * client away (Kick{KICK_SHUTDOWN}; sessions linger at logic for a resume
   * at another gateway). Returns how many connections were closed.
   */
  drain(message: string): number {
    const ctx = this.host.context
    const why = message || 'gateway draining: reconnect'
    if (!this.draining) {
      this.draining = true
      ctx.logger.warn({ message: why }, 'gateway draining')
      ctx.member
        ?.setState(ServiceStates.DRAINING)
        .catch((err: unknown) => ctx.logger.warn({ err }, 'could not report DRAINING (next heartbeat will)'))
      for (const l of this.listeners.splice(0))
        void l.close().catch((err: unknown) => ctx.logger.warn({ err }, 'closing a client port failed'))
    }
    return this.edge.moveAll(why, new GatewayDraining(why))
  }

  /**
   * End a drain (proto/gate/drain.proto GateUndrain): open the client ports
   * again on the addresses bound at start (same ports, even when the config
   * said port 0), advertise them, and report READY so login hands players
   * here again. Returns 1 when the gateway was draining, 0 otherwise.
   */
  async undrain(): Promise<number> {
    const ctx = this.host.context
    if (!this.draining || this.closing) return 0
    const g = ctx.config.gateway
    const bound: string[] = []
    for (const a of this.bound) {
      const l = await this.edge.net.listen(a, 'client', { tls: this.tls })
      this.listeners.push(l)
      bound.push(formatAddress(l.address))
    }
    this.draining = false
    ctx.logger.warn({ addresses: bound }, 'gateway undrained: client ports open again')
    const member = ctx.member
    if (member) {
      await member.advertise(g.advertise ?? bound)
      await member.setState(ServiceStates.READY)
    }
    return 1
  }

  async willClose(): Promise<void> {
    this.closing = true
    if (this.loadTimer !== undefined) this.host.context.timers.cancel(this.loadTimer)
    if (this.reportTimer !== undefined) this.host.context.timers.cancel(this.reportTimer)
    this.stopShards?.()
    this.guard?.stop()
    this.unexportGuard?.()
    await this.edgeRef?.close()
    this.tls?.close()
  }
}

/** Type id of the gateway front (gateway range 12000-12999). */
export const GATEWAY_FRONT_ID = 12_000

// @component gateway sort=10
export const gatewayFront: ComponentFactory<GatewayFront, ServiceContext<GatewayConfig>> = {
  typeId: GATEWAY_FRONT_ID,
  name: 'gateway-front',
  create: (host) => new GatewayFront(host),
}
