import type { ComponentHost } from './component-host.js'

/** Lifecycle phases, in start order. Close phases run in reverse component order. */
export const PHASES = ['init', 'willStartup', 'startup', 'ready', 'willClose', 'close'] as const
export type Phase = (typeof PHASES)[number]

/**
 * A unit of a service. Every phase method is optional: extend
 * {@link BaseComponent} and override only what you use (pitaya's no-op base).
 * Factories may create any object; the host calls the phase methods it has.
 */
export interface Component {
  init?(): void | Promise<void>
  willStartup?(): void | Promise<void>
  startup?(): void | Promise<void>
  ready?(): void | Promise<void>
  willClose?(): void | Promise<void>
  close?(): void | Promise<void>
}

export abstract class BaseComponent<Ctx = unknown> {
  constructor(protected readonly host: ComponentHost<Ctx>) {}
}

/**
 * How a component is registered: a numeric interface type id (never a
 * string), a factory, and ordering hints. Components with a lower `sortId`
 * start first among those whose dependencies allow it; dependencies always
 * start before their dependents.
 */
// biome-ignore lint/suspicious/noExplicitAny: factories for any host context are stored together
export interface ComponentFactory<T extends object = object, Ctx = any> {
  /**
   * Numeric interface type id. Ranges: kernel 1-999, storage 1000-1999,
   * services 10000+ (a block of 1000 per kind); never reused once retired.
   * The kernel registers no component: its facilities are on the service
   * context (`host.context`), their one way in. Retired kernel ids: 1 Config,
   * 2 Logger, 3 MemoryMonitor, 4 TimerWheel, 5 Calendar, 6 Snowflake,
   * 7 Metrics, 8 Net, 9 ServiceProxy.
   */
  readonly typeId: number
  /** Human name used in logs and errors. */
  readonly name: string
  readonly dependsOn?: readonly number[]
  /** Default 0. */
  readonly sortId?: number
  create(host: ComponentHost<Ctx>): T
}
