import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  BaseComponent,
  type ComponentFactory,
  type HttpRoutes,
  type Link,
  type ServiceContext,
  type ShardTable,
  sendJson,
} from '@tessera/kernel'
import {
  ShardFenceClaim,
  ShardFenceClaimOk,
  ShardMoveDone,
  ShardMoveStart,
  ShardTableGet,
  ShardTableState,
} from '@tessera/protocol'
import { readJson } from '../admin/chat-routes.js'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import type { DatabaseComponent } from '../db/index.js'
import { CenterBadAdminRequest, CenterShardMoveRefused, CenterShardMoveRunning } from '../errors.js'
import type { CenterLink } from '../link/index.js'
import type { OwnershipComponent } from '../ownership/index.js'
import type { RegistryComponent } from '../registry/index.js'
import { type MoveGroup, planMove } from './shard-moves.js'
import { ShardTableStore } from './shard-table-store.js'

/** Users per ShardFenceClaim (the receiver sends them in batches). */
const MAX_FENCE_BATCH = 2000

interface RunningMove {
  id: number
  group: MoveGroup
  done(m: ShardMoveDone): Promise<ShardTable>
}

/** What one group of a move did, as the admin route reports it. */
export interface MoveOutcome extends MoveGroup {
  ok: boolean
  users: number
  sessions: number
  error?: string
}

/**
 * The shard table (docs/operations.md "Players across logic processes"):
 * which logic holds each shard of players. Kept in the center's database,
 * seeded from `center.shards` so adopting it moves nothing; served to
 * gateways and logic (ShardTableGet) and pushed to them on every change
 * and when they register. An operator moves shards to a logic with
 * `POST /admin/shards/move`: the shards are marked moving (gateways hold
 * their binds), the receiving logic runs the move against the giver
 * (ShardMoveStart … ShardMoveDone), then the table names the receiver.
 */
export class ShardComponent extends BaseComponent<ServiceContext<CenterConfig>> {
  private storeRef: ShardTableStore | undefined
  private table: ShardTable | undefined
  private running: RunningMove | undefined
  private nextMoveId = 0

  /** The current table (undefined: the center keeps none). */
  get current(): ShardTable | undefined {
    return this.table
  }

  private get link(): CenterLink {
    return this.host.get<CenterLink>(CenterComponentIds.Link)
  }

  private get registry() {
    return this.host.get<RegistryComponent>(CenterComponentIds.Registry).registry
  }

  init(): void {
    const proxy = this.link.proxy
    proxy.handle(ShardTableGet, ShardTableState, (m) => this.state(m.haveVersion))
    proxy.handle(ShardFenceClaim, ShardFenceClaimOk, (m, link) => this.fenceClaim(m, link))
    proxy.handle(ShardMoveDone, ShardTableState, (m, link) => {
      const r = this.running
      if (r === undefined || r.id !== m.moveId || !isLogic(link, r.group.to))
        throw new CenterShardMoveRefused(
          `move ${m.moveId} is not running for ${link.peer.kind}#${link.peer.serviceId}`,
        )
      return r.done(m).then(() => this.state(0))
    })
    // A service that (re)registers gets the table at once (it may have missed pushes).
    this.registry.onRegistered((info) => {
      if (this.table === undefined || (info.kind !== 'gateway' && info.kind !== 'logic')) return
      const l = this.registry.linkOf(info.serviceId)
      if (l) proxy.sendOn(l, ShardTableState, this.state(0))
    })
  }

  async willStartup(): Promise<void> {
    const db = this.host.get<DatabaseComponent>(CenterComponentIds.Database).db
    this.storeRef = new ShardTableStore(db)
    this.table = await this.storeRef.prepare(this.host.context.config.center.shards)
    if (this.table)
      this.host.context.logger.info(
        { version: this.table.version, shards: this.table.shardCount, moving: this.table.moving.length },
        'center: shard table loaded',
      )
  }

  private state(haveVersion: number): ShardTableState {
    const t = this.table
    if (t === undefined)
      return { present: false, changed: false, version: 0, shardCount: 0, owners: [], moving: [] }
    if (haveVersion >= t.version)
      return {
        present: true,
        changed: false,
        version: t.version,
        shardCount: t.shardCount,
        owners: [],
        moving: [],
      }
    return {
      present: true,
      changed: true,
      version: t.version,
      shardCount: t.shardCount,
      owners: [...t.owners],
      moving: [...t.moving],
    }
  }

  /** Send the table to every registered gateway and logic; returns how many got it. */
  private push(): number {
    const msg = this.state(0)
    let n = 0
    for (const s of this.registry.list()) {
      if (s.kind !== 'gateway' && s.kind !== 'logic') continue
      const l = this.registry.linkOf(s.serviceId)
      if (l && this.link.proxy.sendOn(l, ShardTableState, msg)) n++
    }
    return n
  }

  private async change(shards: number[], owner: number, moving: boolean): Promise<void> {
    this.table = await this.storeRef!.change(shards, owner, moving)
    this.push()
  }

  private async fenceClaim(m: ShardFenceClaim, link: Link): Promise<ShardFenceClaimOk> {
    const r = this.running
    if (r === undefined || !isLogic(link, r.group.to))
      throw new CenterShardMoveRefused(`no move to ${link.peer.kind}#${link.peer.serviceId} is running`)
    if (m.userIds.length > MAX_FENCE_BATCH)
      throw new CenterShardMoveRefused(`${m.userIds.length} users in one fence claim > ${MAX_FENCE_BATCH}`)
    const store = this.host.get<OwnershipComponent>(CenterComponentIds.Ownership).store
    const users: ShardFenceClaimOk['users'] = []
    // Owner none and no revoke: the giver already ended these sessions; the
    // next bind (on the receiver) claims a still higher epoch.
    for (const id of m.userIds)
      users.push({ userId: id, epoch: (await store.claim(`player:${id}`, 0)).epoch })
    return { users }
  }

  /** Run one group: hold, let the receiver move it, switch (or give the shards back to the giver). */
  private async runGroup(group: MoveGroup, waitMs: number): Promise<MoveOutcome> {
    this.nextMoveId = (this.nextMoveId % 0xffff_fff0) + 1
    const id = this.nextMoveId
    const logger = this.host.context.logger
    await this.change(group.shards, group.from, true)
    logger.warn({ move: id, ...group }, 'center: shards held for a move')
    const outcome = await new Promise<MoveOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.running = undefined
        resolve({
          ...group,
          ok: false,
          users: 0,
          sessions: 0,
          error: `no answer from logic#${group.to} in ${waitMs} ms`,
        })
      }, waitMs)
      this.running = {
        id,
        group,
        done: async (m) => {
          clearTimeout(timer)
          this.running = undefined
          const ok = m.error === ''
          if (ok) await this.change(group.shards, group.to, false)
          resolve({ ...group, ok, users: m.users, sessions: m.sessions, ...(ok ? {} : { error: m.error }) })
          return this.table!
        },
      }
      const l = this.registry.linkOf(group.to)
      const start = {
        moveId: id,
        shards: group.shards,
        shardCount: this.table!.shardCount,
        fromServiceId: group.from,
      }
      if (!l || !this.link.proxy.sendOn(l, ShardMoveStart, start))
        this.running.done({ moveId: id, error: `logic#${group.to} is not connected`, users: 0, sessions: 0 })
    })
    // Failed or abandoned: the giver keeps the shards (its rows are complete: fenced rows still hold every landed write).
    if (!outcome.ok) await this.change(group.shards, group.from, false)
    logger.warn(
      { move: id, ...outcome, version: this.table!.version },
      outcome.ok ? 'center: shards moved' : 'center: shard move failed; the giver keeps them',
    )
    return outcome
  }

  private busy = false

  /**
   * `POST /admin/shards/move` `{ to, shards?: number[], count?: number }`:
   * move the listed shards (or `count` of them from the fullest logic
   * processes) to logic `to`, one giver at a time. `GET /admin/shards`: the
   * table, with the shards per logic.
   */
  routes(): HttpRoutes {
    return {
      'POST /admin/shards/move': async (req: IncomingMessage, res: ServerResponse) => {
        try {
          const b = await readJson(req)
          const t = this.table
          if (t === undefined)
            throw new CenterBadAdminRequest('the center keeps no shard table (set center.shards)')
          const to = b.to
          if (typeof to !== 'number' || !Number.isInteger(to) || to < 1)
            throw new CenterBadAdminRequest('to must be a logic service id')
          const svc = this.registry.list().find((s) => s.serviceId === to)
          if (svc?.kind !== 'logic') throw new CenterBadAdminRequest(`logic#${to} is not registered`)
          const shards = b.shards
          const count = b.count
          if (shards !== undefined && (!Array.isArray(shards) || shards.length > t.shardCount))
            throw new CenterBadAdminRequest('shards must be a list of shard numbers')
          if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1))
            throw new CenterBadAdminRequest('count must be a positive integer')
          if ((shards === undefined) === (count === undefined))
            throw new CenterBadAdminRequest('give shards or count')
          if (this.busy) {
            const e = new CenterShardMoveRunning()
            sendJson(res, 409, { error: { code: e.code, message: e.message } })
            return
          }
          let groups: MoveGroup[]
          try {
            groups = planMove(t, to, {
              shards: shards as number[] | undefined,
              count: count as number | undefined,
            })
          } catch (err) {
            throw new CenterBadAdminRequest((err as Error).message)
          }
          this.busy = true
          const moved: MoveOutcome[] = []
          try {
            for (const g of groups)
              moved.push(await this.runGroup(g, this.host.context.config.center.shardMoveWaitMs))
          } finally {
            this.busy = false
          }
          sendJson(res, moved.every((m) => m.ok) ? 200 : 500, {
            ok: moved.every((m) => m.ok),
            version: this.table!.version,
            moved,
          })
        } catch (err) {
          if (!CenterBadAdminRequest.is(err)) throw err
          sendJson(res, 400, { error: { code: err.code, message: err.message } })
        }
      },
    }
  }

  /** `GET /admin/shards`. */
  view(): Record<string, unknown> {
    const t = this.table
    if (t === undefined) return { present: false }
    const perLogic: Record<string, number> = {}
    for (const o of t.owners) perLogic[o] = (perLogic[o] ?? 0) + 1
    return { present: true, version: t.version, shardCount: t.shardCount, moving: t.moving, perLogic }
  }
}

function isLogic(link: Link, serviceId: number): boolean {
  return link.peer.kind === 'logic' && link.peer.serviceId === serviceId
}

// @component center sort=45
export const shardComponent: ComponentFactory<ShardComponent, ServiceContext<CenterConfig>> = {
  typeId: CenterComponentIds.Shards,
  name: 'center-shards',
  dependsOn: [
    CenterComponentIds.Database,
    CenterComponentIds.Link,
    CenterComponentIds.Registry,
    CenterComponentIds.Ownership,
  ],
  create: (host) => new ShardComponent(host),
}
