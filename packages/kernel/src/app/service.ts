import type { OnAlert } from '../alerts/index.js'
import type { ClusterMember, ServiceProxy } from '../cluster/index.js'
import type { ComponentFactory } from '../component/index.js'
import { ComponentHost } from '../component/index.js'
import type { Snowflake } from '../id/index.js'
import type { Logger } from '../log/index.js'
import type { MemoryMonitor } from '../memory/index.js'
import type { Metrics } from '../metrics/index.js'
import type { Calendar, Clock, TimerWheel } from '../timer/index.js'
import { AppNotClustered } from './errors.js'

/** Process-wide facilities the application shares with every service. */
export interface SharedFacilities {
  /** The one time source; tests inject a ManualClock. */
  readonly clock: Clock
  /** The process's timer wheel (one driver tick for every timer of every service). */
  readonly timers: TimerWheel
  /** Game day/week/month/year crossings at the configured reset hour. */
  readonly calendar: Calendar
  readonly memory: MemoryMonitor
  /** The process's Prometheus registry (served on admin.listen). */
  readonly metrics: Metrics
  /** Snowflake ids; throws APP_NO_MACHINE_ID when the process has no machine id. */
  readonly ids: Snowflake
  /**
   * Raise an alert: always logged, and sent to the process's alert sink
   * (Feishu) when `alerts.feishu` is configured. Never throws, never waits.
   * `service` and `node` default to this process's.
   */
  readonly alert: OnAlert
  /** The last alerts this process raised, oldest first (at most 100; the center's admin page lists them). */
  readonly recentAlerts?: () => readonly RecentAlert[]
}

/** An alert as this process raised it, with when (wall clock, Unix ms). */
export interface RecentAlert {
  atMs: number
  kind: string
  severity: string
  title: string
  text?: string
  service?: string
  node?: string
}

/**
 * What every component of a service can reach through `host.context`: the
 * one way to a process or service facility (configuration, logger, clock,
 * timers, calendar, ids, metrics, memory, alerts, proxy, membership). The
 * component host's type ids name only a service's own components (features,
 * stores, fronts, the storage component), never one of these.
 */
export interface ServiceContext<C = unknown> extends SharedFacilities {
  readonly kind: string
  readonly serviceId: number
  readonly logger: Logger
  readonly config: C
  /** Messages to other services; throws APP_NOT_CLUSTERED on a single node (no cluster.center). */
  readonly proxy: ServiceProxy
  /** The service's cluster membership (advertise addresses, report load); undefined on a single node. */
  readonly member?: ClusterMember | undefined
}

export interface ServiceDefinition {
  /** gateway, login, logic, center, or a game's own kind. */
  kind: string
  /** Cluster-unique service id (the center hands these out in a cluster). */
  id: number
  components: readonly ComponentFactory[]
}

/**
 * A service: a kind, a cluster-unique id and a component host. The
 * application creates it, injects configuration through the Config
 * component, and drives its phases.
 */
export class Service<C = unknown> {
  readonly host: ComponentHost<ServiceContext<C>>
  readonly logger: Logger
  /** Set when the service joined a cluster (the application does it before starting it). */
  member: ClusterMember | undefined

  constructor(
    readonly kind: string,
    readonly id: number,
    config: C,
    parentLogger: Logger,
    components: readonly ComponentFactory[],
    shared: SharedFacilities,
  ) {
    this.logger = parentLogger.child({ service: kind, serviceId: id })
    const svc = this
    this.host = new ComponentHost<ServiceContext<C>>({
      context: {
        kind,
        serviceId: id,
        logger: this.logger,
        config,
        clock: shared.clock,
        timers: shared.timers,
        calendar: shared.calendar,
        memory: shared.memory,
        metrics: shared.metrics,
        // The service's own name on its alerts unless the caller names another.
        alert: (a) => shared.alert({ ...a, service: a.service ?? `${kind}#${id}` }),
        // Getters: ids exist once the application has a machine id, the proxy
        // once the service has joined the cluster.
        get ids() {
          return shared.ids
        },
        get proxy(): ServiceProxy {
          if (!svc.member) throw new AppNotClustered(`${kind}#${id}`)
          return svc.member.proxy
        },
        get member(): ClusterMember | undefined {
          return svc.member
        },
      },
      onPhase: (e) =>
        this.logger.debug(
          { component: e.component, phase: e.phase, ms: Math.round(e.ms * 10) / 10 },
          'phase done',
        ),
    })
    this.host.registerAll(components)
  }

  /** Human name for logs: `logic#3`. */
  get name(): string {
    return `${this.kind}#${this.id}`
  }
}
