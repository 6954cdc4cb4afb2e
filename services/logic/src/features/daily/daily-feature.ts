import {
  BaseComponent,
  type CalendarEvent,
  type ComponentFactory,
  type Counter,
  gameDay,
  nextReset,
  periodKeyOfDay,
  type ServiceContext,
} from '@tessera/kernel'
import {
  DailyGet,
  DailyGetRes,
  DailyReset,
  type DailyState,
  TaskProgress,
  TaskProgressRes,
} from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import { type PlayerContext, SESSION_HOME_ID, type SessionHome } from '../../session/index.js'
import { PlayerRows } from '../player-rows.js'
import { applyResets, countTask, type DailyDoc } from './daily-doc.js'
import { PlayerDaily } from './daily-entity.js'
import { DailyBadAmount, DailyUnknownTask } from './daily-errors.js'

/**
 * Daily and weekly resets driving the sign-in reward and the daily task
 * counters. A reset is applied in the player's queue, once per game day:
 * - online at the reset: the calendar's `day` event queues it for every
 *   player here, and they get a DailyReset push;
 * - away at the reset (logged out, or this logic was down): it is applied
 *   at the next login (the `joined` hook), however many resets passed,
 *   before the client's first request.
 * The document's day key makes a second application a no-op, so the two
 * paths (and a restart between them) can never reward a day twice.
 */
export class DailyFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  private rows!: PlayerRows<typeof PlayerDaily.columns>
  private home!: SessionHome
  private unsubscribe: (() => void) | undefined
  private tasks!: ReadonlySet<number>
  private applied!: Counter<'when'>

  init(): void {
    const ctx = this.host.context
    this.tasks = new Set(ctx.config.daily.tasks)
    this.applied = ctx.metrics.counter<'when'>({
      name: 'logic_daily_resets_total',
      help: 'Daily resets applied to players: online at the reset, or at login after being away',
      labelNames: ['when'],
    })
    this.home = this.host.get<SessionHome>(SESSION_HOME_ID)
    const storage = this.host.get<StorageComponent>(STORAGE_COMPONENT_ID)
    this.rows = new PlayerRows(
      PlayerDaily,
      () => storage.storage,
      () => ({}),
      ctx.logger,
    )
    this.home
      .route(DailyGet, DailyGetRes, async (_req, p) => ({ state: this.state((await this.rows.get(p)).doc) }))
      .route(TaskProgress, TaskProgressRes, async (req, p) => {
        if (!this.tasks.has(req.taskId)) throw new DailyUnknownTask(req.taskId)
        const max = ctx.config.daily.maxProgress
        if (req.amount < 1 || req.amount > max) throw new DailyBadAmount(req.amount, max)
        const row = await this.rows.get(p)
        // A request that arrives after a reset the queue has not reached yet
        // counts for the new day: reset first.
        this.reset(p, row, false)
        row.doc = countTask(row.doc, req.taskId, req.amount)
        return { state: this.state(row.doc) }
      })
      .onPlayer({
        joined: async (p) => this.reset(p, await this.rows.get(p), true),
        left: (p) => this.rows.release(p.userId),
      })
  }

  startup(): void {
    const ctx = this.host.context
    this.unsubscribe = ctx.calendar.on('day', (e) => this.onDay(e))
  }

  close(): void {
    this.unsubscribe?.()
  }

  /** A game day began: queue the reset for every player held here. */
  private onDay(e: CalendarEvent): void {
    const log = this.host.context.logger
    log.info({ day: e.key, catchUp: e.catchUp }, 'daily reset')
    for (const uid of [...this.home.online()])
      void this.home
        .withPlayer(uid, async (p) => this.reset(p, await this.rows.get(p), false))
        .catch((err: unknown) => log.error({ err, userId: String(uid) }, 'daily reset failed'))
  }

  /** Apply the resets due by now, in one write, and tell the player. */
  private reset(p: PlayerContext, row: { doc: DailyDoc }, atLogin: boolean): void {
    const ctx = this.host.context
    const cfg = ctx.calendar.config
    const today = gameDay(ctx.clock.now(), cfg)
    const r = applyResets(row.doc, today, periodKeyOfDay(today, 'week', cfg), ctx.config.daily.signInCoins)
    if (r === null) return
    row.doc = r.doc
    this.applied.inc({ when: atLogin ? 'login' : 'online' })
    p.push(DailyReset, {
      daysCrossed: r.daysCrossed,
      weeksCrossed: r.weeksCrossed,
      rewardCoins: r.rewardCoins,
      atLogin,
      state: this.state(r.doc),
    })
  }

  private state(d: DailyDoc): DailyState {
    const now = this.host.context.clock.now()
    return {
      dayKey: d.day,
      weekKey: d.week,
      coins: BigInt(d.coins),
      signIns: d.signIns,
      streak: d.streak,
      dayTasks: counts(d.dayTasks),
      weekTasks: counts(d.weekTasks),
      nowMs: BigInt(now),
      nextResetMs: BigInt(nextReset(now, this.host.context.calendar.config)),
    }
  }
}

function counts(m: Record<string, number>): { taskId: number; count: number }[] {
  return Object.entries(m)
    .map(([k, v]) => ({ taskId: Number(k), count: Math.min(v, 0xffff_ffff) }))
    .sort((a, b) => a.taskId - b.taskId)
}

/** Type id of the daily feature (logic features 20_030-20_049). */
export const DAILY_FEATURE_ID = 20_030

// @component logic sort=35
export const dailyFeature: ComponentFactory<DailyFeature, ServiceContext<LogicConfig>> = {
  typeId: DAILY_FEATURE_ID,
  name: 'daily',
  dependsOn: [SESSION_HOME_ID, STORAGE_COMPONENT_ID],
  create: (host) => new DailyFeature(host),
}
