import type { Component, ComponentFactory, Phase } from './component.js'
import {
  ComponentCycle,
  ComponentDuplicate,
  ComponentHostState,
  ComponentMissingDependency,
  ComponentNotFound,
  ComponentPhaseFailed,
} from './errors.js'

export type HostState = 'registering' | 'starting' | 'running' | 'closing' | 'closed' | 'failed'

/** Receives every phase transition, for logs ("the order is visible in logs"). */
export type PhaseListener = (event: { component: string; phase: Phase; ms: number }) => void

const START_PHASES = ['init', 'willStartup', 'startup', 'ready'] as const
const CLOSE_PHASES = ['willClose', 'close'] as const

interface Entry {
  factory: ComponentFactory
  instance: object | undefined
  /** Highest start phase this component completed; close phases run only for started ones. */
  reached: number
}

/**
 * Registers components by numeric type id, creates them through their
 * factories in dependency order and drives their lifecycle phases.
 *
 * Registration is checked eagerly: a duplicate id fails `register`, a missing
 * dependency or a cycle fails `seal()` (called by `start()`), before any
 * component is created.
 */
export class ComponentHost<Ctx = unknown> {
  private readonly entries = new Map<number, Entry>()
  private order: Entry[] = []
  private _state: HostState = 'registering'
  private closing: Promise<void> | undefined

  private readonly onPhase: PhaseListener
  /** What the owner shares with its components (the service: logger, config, app). */
  readonly context: Ctx

  constructor(opts: { context?: Ctx; onPhase?: PhaseListener } = {}) {
    this.context = opts.context as Ctx
    this.onPhase = opts.onPhase ?? (() => {})
  }

  get state(): HostState {
    return this._state
  }

  register(factory: ComponentFactory): this {
    if (this._state !== 'registering') throw new ComponentHostState('register', this._state)
    const existing = this.entries.get(factory.typeId)
    if (existing) throw new ComponentDuplicate(factory.name, factory.typeId, existing.factory.name)
    this.entries.set(factory.typeId, { factory, instance: undefined, reached: -1 })
    return this
  }

  /**
   * Register a whole list (a service's generated registration list) and check
   * it at once: a missing dependency or a cycle fails here, before anything
   * is created.
   */
  registerAll(factories: readonly ComponentFactory[]): this {
    for (const f of factories) this.register(f)
    this.order = this.sort()
    return this
  }

  has(typeId: number): boolean {
    return this.entries.has(typeId)
  }

  /** The instance for a type id; components call this from init() or later. */
  get<T extends object>(typeId: number): T {
    const e = this.entries.get(typeId)
    if (!e?.instance) throw new ComponentNotFound(typeId)
    return e.instance as T
  }

  tryGet<T extends object>(typeId: number): T | undefined {
    return this.entries.get(typeId)?.instance as T | undefined
  }

  /** Component names in start order. */
  startOrder(): string[] {
    if (this.order.length === 0) this.order = this.sort()
    return this.order.map((e) => e.factory.name)
  }

  /**
   * Create every component and run init → willStartup → startup → ready,
   * each phase across all components before the next. A throwing phase stops
   * start-up, closes what was started in reverse order, and rejects with
   * COMPONENT_PHASE_FAILED naming the component and phase.
   */
  async start(): Promise<void> {
    await this.runStartPhases(START_PHASES)
  }

  /**
   * Start in two steps when someone else (the center) decides when to go on:
   * `prepare()` runs init; `startPhases()` the rest.
   */
  async prepare(): Promise<void> {
    await this.runStartPhases(['init'])
  }

  async startPhases(
    phases: readonly ('willStartup' | 'startup' | 'ready')[] = ['willStartup', 'startup', 'ready'],
  ): Promise<void> {
    await this.runStartPhases(phases)
  }

  private async runStartPhases(phases: readonly (typeof START_PHASES)[number][]): Promise<void> {
    if (this._state === 'registering') {
      this.order = this.sort()
      this._state = 'starting'
      for (const e of this.order) e.instance = e.factory.create(this)
    }
    if (this._state !== 'starting') throw new ComponentHostState('start', this._state)
    for (const phase of phases) {
      const idx = START_PHASES.indexOf(phase)
      for (const e of this.order) {
        if (e.reached >= idx) continue
        try {
          await this.runPhase(e, phase)
          e.reached = idx
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err)
          const failure = ComponentPhaseFailed.with(
            { cause: err, details: { component: e.factory.name, phase } },
            e.factory.name,
            phase,
            msg,
          )
          this._state = 'failed'
          await this.closeStarted().catch(() => {})
          throw failure
        }
      }
    }
    if (phases.includes('ready')) this._state = 'running'
  }

  /**
   * Run willClose then close on every component that got past init, in
   * reverse start order. Idempotent: every call returns the same promise. A
   * throwing close is reported and the others still close; the first error is
   * rethrown at the end.
   */
  stop(): Promise<void> {
    if (!this.closing) {
      this._state = 'closing'
      this.closing = this.closeStarted().then(() => {
        this._state = 'closed'
      })
    }
    return this.closing
  }

  private async closeStarted(): Promise<void> {
    const started = this.order.filter((e) => e.reached >= 0).reverse()
    let first: unknown
    for (const phase of CLOSE_PHASES) {
      for (const e of started) {
        try {
          await this.runPhase(e, phase)
        } catch (err) {
          first ??= ComponentPhaseFailed.with(
            { cause: err, details: { component: e.factory.name, phase } },
            e.factory.name,
            phase,
            err instanceof Error ? err.message : String(err),
          )
        }
      }
    }
    for (const e of started) e.reached = -1
    if (first) throw first
  }

  private async runPhase(e: Entry, phase: Phase): Promise<void> {
    const fn = (e.instance as Component | undefined)?.[phase]
    if (!fn) return
    const t0 = performance.now()
    await fn.call(e.instance)
    this.onPhase({ component: e.factory.name, phase, ms: performance.now() - t0 })
  }

  /**
   * Topological order (Kahn) where, among components whose dependencies are
   * all placed, the lowest sortId (then registration order) goes first.
   */
  private sort(): Entry[] {
    const all = [...this.entries.values()]
    for (const e of all) {
      for (const dep of e.factory.dependsOn ?? []) {
        if (!this.entries.has(dep)) throw new ComponentMissingDependency(e.factory.name, dep)
      }
    }
    const placed = new Set<number>()
    const out: Entry[] = []
    const regIndex = new Map(all.map((e, i) => [e.factory.typeId, i]))
    while (out.length < all.length) {
      let best: Entry | undefined
      for (const e of all) {
        if (placed.has(e.factory.typeId)) continue
        if (!(e.factory.dependsOn ?? []).every((d) => placed.has(d))) continue
        if (
          !best ||
          (e.factory.sortId ?? 0) < (best.factory.sortId ?? 0) ||
          ((e.factory.sortId ?? 0) === (best.factory.sortId ?? 0) &&
            regIndex.get(e.factory.typeId)! < regIndex.get(best.factory.typeId)!)
        ) {
          best = e
        }
      }
      if (!best)
        throw new ComponentCycle(this.describeCycle(all.filter((e) => !placed.has(e.factory.typeId))))
      placed.add(best.factory.typeId)
      out.push(best)
    }
    return out
  }

  private describeCycle(rest: Entry[]): string {
    // Walk dependencies among the unplaced components until one repeats.
    const byId = new Map(rest.map((e) => [e.factory.typeId, e]))
    let cur: Entry | undefined = rest[0]
    const path: Entry[] = []
    while (cur && !path.includes(cur)) {
      path.push(cur)
      cur = (cur.factory.dependsOn ?? []).map((d) => byId.get(d)).find((x) => x !== undefined)
    }
    const start = cur ? path.indexOf(cur) : 0
    const loop = path.slice(start).map((e) => e.factory.name)
    return [...loop, loop[0]].join(' → ')
  }
}
