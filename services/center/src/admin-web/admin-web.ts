import { RELEASE_VERSION } from '@tessera/constants'
import {
  BaseComponent,
  type ComponentFactory,
  type HttpRoutes,
  type ServiceContext,
  ServiceStates,
  type TimerHandle,
} from '@tessera/kernel'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { DatabaseComponent } from '../db/index.js'
import type { GatewayControl } from '../gateway-control/index.js'
import type { CenterLink } from '../link/index.js'
import type { RegistryComponent } from '../registry/index.js'
import { type AuditEntry, adminWebRoutes } from './admin-web-routes.js'
import { ClusterSampler } from './cluster-sampler.js'
import { LoginThrottle } from './login-throttle.js'
import { OperatorSessionStore } from './operator-session-store.js'
import { OperatorSessions } from './operator-sessions.js'
import { loadStaticFiles } from './static-files.js'

/** Audit entries the page shows (the log keeps them all). */
const AUDIT_KEPT = 200
/** READY, DRAINING, ... by ServiceState number. */
const STATE_NAMES = new Map<number, string>(Object.entries(ServiceStates).map(([k, v]) => [v, k]))
/** Key of the center's own row. */
const SELF = 'center'

/**
 * The operator web page on the center's admin endpoint (/ui): the cluster
 * map, players, charts of the last hour, storage counters, alerts and the
 * operator actions, behind operator login (docs/operations.md, "Admin web
 * page"). The center admin component mounts {@link routes}.
 */
export class AdminWeb extends BaseComponent<ServiceContext<CenterConfig>> {
  private sampler: ClusterSampler | undefined
  private timer: TimerHandle | undefined
  private readonly auditLog: AuditEntry[] = []
  private sessions: OperatorSessions | undefined

  init(): void {
    const ctx = this.host.context
    const ui = ctx.config.center.ui
    const link = () => this.host.get<CenterLink>(CenterComponentIds.Link).proxy
    this.sampler = new ClusterSampler({
      services: () => this.registry.list(),
      self: {
        key: SELF,
        scrape: async () => {
          // The center is no cluster member: its messages are its link's counters.
          const st = link().stats
          const msgs = st.messagesReceived + st.notificationsSent + st.requestsSent + st.responsesReceived
          return {
            metrics: `tessera_cluster_messages{counter="messagesReceived"} ${msgs}\n`,
            alerts: ctx.recentAlerts?.() ?? [],
          }
        },
      },
      intervalMs: ui.sampleIntervalMs,
      timeoutMs: ui.scrapeTimeoutMs,
      now: () => ctx.clock.now(),
      logger: ctx.logger,
    })
  }

  /**
   * Operator sessions live in the center's database as well as in memory:
   * load the ones still valid, so a restart logs nobody out.
   */
  async willStartup(): Promise<void> {
    const ctx = this.host.context
    const ui = ctx.config.center.ui
    const store = new OperatorSessionStore(this.host.get<DatabaseComponent>(CenterComponentIds.Database).db)
    const sessions = new OperatorSessions({
      now: () => ctx.clock.monotonic(),
      wallNow: () => ctx.clock.now(),
      idleMs: ui.sessionIdleMs,
      maxAgeMs: ui.sessionMaxAgeMs,
      max: 256,
      store,
      onStoreError: (err) => ctx.logger.warn({ err }, 'center: operator session not written to the database'),
    })
    const rows = await store.load(ctx.clock.now(), ui.sessionIdleMs, ui.sessionMaxAgeMs)
    sessions.restore(rows)
    this.sessions = sessions
    if (rows.length) ctx.logger.info({ sessions: rows.length }, 'center: operator sessions restored')
  }

  startup(): void {
    const ctx = this.host.context
    void this.sampler!.sample()
    this.timer = ctx.timers.every(ctx.config.center.ui.sampleIntervalMs, () => void this.sampler!.sample())
  }

  /** The page's routes; `actions` are the script routes (POST /admin/...) the page may run. */
  routes(actions: HttpRoutes, secure: boolean): HttpRoutes {
    const ctx = this.host.context
    const ui = ctx.config.center.ui
    const mono = () => ctx.clock.monotonic()
    return adminWebRoutes({
      files: loadStaticFiles(),
      actions,
      overview: () => this.overview(),
      charts: () => this.sampler!.charts(),
      sessions: this.sessions!,
      throttle: new LoginThrottle({
        limit: ui.loginFailures,
        windowMs: ui.loginWindowMs,
        maxKeys: 10_000,
        now: mono,
      }),
      operatorsFile: ui.operatorsFile,
      secure,
      origins: ui.origins,
      sessionMaxAgeS: Math.floor(ui.sessionMaxAgeMs / 1000),
      logger: ctx.logger,
      now: () => ctx.clock.now(),
      audit: (e) => {
        this.auditLog.push(e)
        if (this.auditLog.length > AUDIT_KEPT) this.auditLog.shift()
      },
    })
  }

  /** GET /ui/api/overview: services by node with their latest figures, storage, alerts, IP lists, audit. */
  overview(): Record<string, unknown> {
    const ctx = this.host.context
    const sampler = this.sampler!
    const row = (
      key: string,
      s: { kind: string; serviceId: number; node: string; state: string; version: string; load: number },
      extra: Record<string, unknown>,
    ) => {
      const l = sampler.latest(key)
      return {
        key,
        ...s,
        players: l?.players ?? (s.kind === 'gateway' ? s.load : null),
        msgsPerSec: l?.msgsPerSec ?? null,
        p99Ms: l?.p99Ms ?? null,
        storage: l?.storage ?? null,
        scrapeError: l?.error ?? null,
        ...extra,
      }
    }
    const services = [
      row(
        SELF,
        {
          kind: 'center',
          serviceId: ctx.serviceId,
          node: ctx.config.app.node,
          state: 'READY',
          version: RELEASE_VERSION.text,
          load: 0,
        },
        { admin: ctx.config.center.admin, startedAtMs: null },
      ),
      ...this.registry.list().map((s) =>
        row(
          `${s.kind}#${s.serviceId}`,
          {
            kind: s.kind,
            serviceId: s.serviceId,
            node: s.node,
            state: STATE_NAMES.get(s.state) ?? String(s.state),
            version: s.version,
            load: s.load,
          },
          { admin: s.admin, startedAtMs: Number(s.startedAtMs) },
        ),
      ),
    ]
    const nodes = new Map<string, typeof services>()
    for (const s of services) nodes.set(s.node, [...(nodes.get(s.node) ?? []), s])
    const rules = this.host.get<GatewayControl>(CenterComponentIds.GatewayControl).rules
    return {
      atMs: ctx.clock.now(),
      registryComplete: this.registry.complete,
      nodes: [...nodes].map(([node, list]) => ({ node, services: list })),
      ipRules: { version: String(rules.version), allow: rules.allow, deny: rules.deny },
      alerts: sampler.alerts().slice(0, 50),
      audit: [...this.auditLog].reverse().slice(0, 50),
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
    // Session writes land before the database closes (a logout must not come back after a restart).
    await this.sessions?.flushed()
  }

  private get registry() {
    return this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
  }
}

// @component center sort=48
export const adminWeb: ComponentFactory<AdminWeb, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.AdminWeb,
  name: 'center-admin-web',
  dependsOn: [
    CenterComponentIds.Database,
    CenterComponentIds.Link,
    CenterComponentIds.Registry,
    CenterComponentIds.GatewayControl,
  ],
  create: (host) => new AdminWeb(host),
}
