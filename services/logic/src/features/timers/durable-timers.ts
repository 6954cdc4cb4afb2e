import { BaseComponent, type ComponentFactory, type Counter, type ServiceContext } from '@tessera/kernel'
import {
  type DurableTimer,
  TimerCancel,
  TimerCancelRes,
  TimerFired,
  TimerList,
  TimerListRes,
  TimerSet,
  TimerSetRes,
} from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type Storage, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import { type PlayerContext, SESSION_HOME_ID, type SessionHome } from '../../session/index.js'
import { PlayerRows } from '../player-rows.js'
import { addTimer, type BookTimer, byDue, cancelTimer, dueTimers, fireTimer } from './timer-book.js'
import { PlayerTimer, type PlayerTimerRow } from './timer-entity.js'
import { TimersBadDelay, TimersUnknownKind } from './timer-errors.js'
import { type TimerKindEffect, TimerKinds, upgradeKind } from './timer-kinds.js'
import { TimerSchedule } from './timer-schedule.js'

/**
 * Durable long timers stored with the player (player_timer): set, cancel
 * and list from the client; each kind's effect is defined by a feature
 * (`defineKind`). A timer fires once, in the player's queue on the logic
 * that holds the player: from the wheel while the player is here, or at the
 * next login when it fell due while they were away. Firing removes it and
 * applies its effect, on the timer book and on the player row, in one
 * storage group (one journal record, one transaction), so a crash at any
 * point leaves it either pending (it fires after the restart) or fired with
 * its whole effect (it never fires again).
 */
export class DurableTimers extends BaseComponent<ServiceContext<LogicConfig>> {
  private readonly kinds = new TimerKinds()
  private rows!: PlayerRows<typeof PlayerTimer.columns>
  private storage!: () => Storage
  private home!: SessionHome
  private schedule!: TimerSchedule
  private fired!: Counter<'when'>

  /** Register what timers of `kind` do when they fire (at init, before players arrive). */
  defineKind(kind: string, effect: TimerKindEffect): this {
    this.kinds.define(kind, effect)
    return this
  }

  /** Timers on the wheel (those of the players loaded here). */
  get scheduled(): number {
    return this.schedule.size
  }

  init(): void {
    const ctx = this.host.context
    const storage = this.host.get<StorageComponent>(STORAGE_COMPONENT_ID)
    this.storage = () => storage.storage
    this.home = this.host.get<SessionHome>(SESSION_HOME_ID)
    this.rows = new PlayerRows(
      PlayerTimer,
      () => storage.storage,
      () => ({}),
      ctx.logger,
    )
    this.schedule = new TimerSchedule(ctx.timers, ctx.clock, (uid, id) => this.onDue(uid, id))
    this.fired = ctx.metrics.counter<'when'>({
      name: 'logic_durable_timers_fired_total',
      help: 'Durable timers fired: on the wheel while the player was here, or at login',
      labelNames: ['when'],
    })
    const schedule = this.schedule
    ctx.metrics.gauge({
      name: 'logic_durable_timers_scheduled',
      help: 'Durable timers on the timer wheel (pending timers of the players loaded here)',
      collect() {
        this.set(schedule.size)
      },
    })
    // The sample kind: an upgrade raises the level of its key by one and pays gold on the player row.
    this.defineKind('upgrade', upgradeKind)
    this.home
      .route(TimerSet, TimerSetRes, (req, p) => this.set(req, p))
      .route(TimerCancel, TimerCancelRes, async (req, p) => {
        const row = await this.rows.get(p)
        const r = cancelTimer(row.book, req.id)
        row.book = r.book
        this.schedule.remove(p.userId, req.id)
        return { timer: wire(r.timer) }
      })
      .route(TimerList, TimerListRes, async (_req, p) => {
        const { book } = await this.rows.get(p)
        return {
          timers: [...book.pending].sort(byDue).map(wire),
          effects: Object.entries(book.effects).map(([k, level]) => {
            const i = k.indexOf('/')
            return { kind: k.slice(0, i), key: k.slice(i + 1), level }
          }),
          nowMs: BigInt(ctx.clock.now()),
        }
      })
      .onPlayer({
        joined: async (p) => {
          const row = await this.rows.get(p)
          for (const t of dueTimers(row.book, ctx.clock.now())) this.fire(p, row, t, true)
          for (const t of row.book.pending) this.schedule.add(p.userId, t)
        },
        left: async (p) => {
          this.schedule.drop(p.userId)
          await this.rows.release(p.userId)
        },
      })
  }

  private async set(req: TimerSet, p: PlayerContext): Promise<TimerSetRes> {
    const ctx = this.host.context
    if (!this.kinds.has(req.kind)) throw new TimersUnknownKind(req.kind)
    const max = ctx.config.timers.maxDelayMs
    if (req.delayMs < 1n || req.delayMs > BigInt(max)) throw new TimersBadDelay(String(req.delayMs), max)
    const row = await this.rows.get(p)
    const now = ctx.clock.now()
    const r = addTimer(
      row.book,
      { kind: req.kind, key: req.key, setMs: now, dueMs: now + Number(req.delayMs) },
      ctx.config.timers.maxPerPlayer,
    )
    row.book = r.book
    this.schedule.add(p.userId, r.timer)
    return { timer: wire(r.timer) }
  }

  /** A timer's delay passed on the wheel: fire it in the player's queue (if the player is still here). */
  private onDue(uid: bigint, id: number): void {
    void this.home
      .withPlayer(uid, async (p) => {
        const row = await this.rows.get(p)
        const t = row.book.pending.find((x) => x.id === id)
        if (t === undefined) return
        // The wheel counts monotonic time; a wall clock stepped back means not yet.
        if (t.dueMs > this.host.context.clock.now()) this.schedule.add(uid, t)
        else this.fire(p, row, t, false)
      })
      .catch((err: unknown) =>
        this.host.context.logger.error({ err, userId: String(uid), timer: id }, 'durable timer failed'),
      )
  }

  /**
   * Remove the timer and apply its effect (book and player row) as one
   * storage group, then tell the player. An effect that throws leaves
   * nothing changed: the timer stays pending (logged; it is tried again at
   * the next login).
   */
  private fire(p: PlayerContext, row: PlayerTimerRow, t: BookTimer, atLogin: boolean): void {
    const log = this.host.context.logger
    const effect = this.kinds.effect(t.kind)
    if (effect === undefined)
      log.warn({ kind: t.kind, timer: t.id }, 'durable timer of an unknown kind fires without effect')
    let r: ReturnType<typeof fireTimer> = null
    try {
      r = this.storage().group(() => {
        const fired = fireTimer(row.book, t.id, (level, timer) =>
          effect === undefined ? level : effect(level, timer, p.player),
        )
        if (fired !== null) row.book = fired.book
        return fired
      })
    } catch (err) {
      log.error(
        { err, kind: t.kind, timer: t.id, userId: String(p.userId) },
        'durable timer effect failed, the timer stays pending',
      )
      return
    }
    if (r === null) return
    this.fired.inc({ when: atLogin ? 'login' : 'online' })
    p.push(TimerFired, {
      timer: wire(r.timer),
      effect: { kind: r.timer.kind, key: r.timer.key, level: r.level },
      atLogin,
    })
  }
}

function wire(t: BookTimer): DurableTimer {
  return { id: t.id, kind: t.kind, key: t.key, setMs: BigInt(t.setMs), dueMs: BigInt(t.dueMs) }
}

/** Type id of the durable timers (logic features 20_030-20_049). */
export const DURABLE_TIMERS_ID = 20_031

// @component logic sort=36
export const durableTimers: ComponentFactory<DurableTimers, ServiceContext<LogicConfig>> = {
  typeId: DURABLE_TIMERS_ID,
  name: 'durable-timers',
  dependsOn: [SESSION_HOME_ID, STORAGE_COMPONENT_ID],
  create: (host) => new DurableTimers(host),
}
