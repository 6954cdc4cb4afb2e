import {
  BaseComponent,
  CENTER_CHANNEL_ID,
  type ComponentFactory,
  type Link,
  type ServiceContext,
  toTesseraError,
} from '@tessera/kernel'
import {
  type FencedUser,
  ShardFence,
  ShardFenceClaim,
  ShardFenceClaimOk,
  ShardFenceOk,
  ShardHandOff,
  ShardHandOffOk,
  ShardMoveDone,
  ShardMoveStart,
  ShardTableState,
} from '@tessera/protocol'
import {
  type Columns,
  type Entity,
  STORAGE_COMPONENT_ID,
  type Storage,
  type StorageComponent,
} from '@tessera/storage'
import type { LogicConfig } from '../config.js'
import { copyUsers, fenceUsers, PLAYER_ENTITIES, usersOfShards } from '../player/index.js'
import { SESSION_HOME_ID, type SessionHome } from '../session/index.js'
import { LogicShardHandOffFailed, LogicShardMoveRefused } from './shard-errors.js'

/** Users per fence claim and per fence request. */
const BATCH = 1000

/**
 * Plain tables keyed by a user (not storage entities) that move with the
 * player: chat's stored mail and moderation (features/chat/chat-store.ts).
 */
const USER_TABLES = [
  { table: 'chat_mail', user: 'to_user_id' },
  { table: 'chat_moderation', user: 'user_id' },
] as const

/**
 * Both halves of moving shards of players between logic processes
 * (docs/operations.md "Players across logic processes"). The receiver runs
 * the move when the center says so (ShardMoveStart):
 *
 * 1. ShardHandOff to the giver: it ends the shards' sessions (images come
 *    back), flushes their rows, and lists their user ids;
 * 2. ShardFenceClaim at the center: a new owner epoch per user;
 * 3. ShardFence to the giver: its rows are raised to those epochs, so any
 *    later write of the giver for them is refused (STORAGE_STALE_EPOCH);
 * 4. copy: every entity row and chat row of those users from the giver's
 *    database into this one (fenced upsert at the epochs: safe to repeat);
 * 5. adopt the sessions (they wait for their clients' resumes), and tell
 *    the center (ShardMoveDone), which switches the table.
 *
 * A failure at any step answers ShardMoveDone with the error: the giver
 * keeps the shards (its rows hold every landed write), and the operator
 * runs the move again.
 */
export class ShardMover extends BaseComponent<ServiceContext<LogicConfig>> {
  private home!: SessionHome
  private storageRef: Storage | undefined
  /** Users this logic handed off, by receiver: only that logic may fence them (ShardFence). */
  private readonly handedTo = new Map<bigint, number>()

  private get storage(): Storage {
    this.storageRef ??= this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage
    return this.storageRef
  }

  init(): void {
    this.home = this.host.get<SessionHome>(SESSION_HOME_ID)
  }

  startup(): void {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) return
    const proxy = ctx.proxy
    proxy.handle(ShardHandOff, ShardHandOffOk, (m, link) => this.handOff(m, link))
    proxy.handle(ShardFence, ShardFenceOk, async (m, link) => {
      if (link.peer.kind !== 'logic') throw new LogicShardMoveRefused(`a fence from ${link.peer.kind}`)
      // Only the receiver of a hand-off, only for the users it was handed.
      const peer = link.peer.serviceId
      const stranger = m.users.find((u) => this.handedTo.get(u.userId) !== peer)
      if (stranger !== undefined)
        throw new LogicShardMoveRefused(`logic#${peer} fences user ${stranger.userId}, not handed to it`)
      return { rows: await this.fence(m.users) }
    })
    proxy.on(ShardMoveStart, (m, link) => {
      if (link.peer.kind !== 'center') return
      void this.receive(m)
    })
  }

  // ---- giver -------------------------------------------------------------------

  private async handOff(m: ShardHandOff, link: Link): Promise<ShardHandOffOk> {
    if (link.peer.kind !== 'logic' || link.peer.serviceId !== m.toServiceId)
      throw new LogicShardMoveRefused(
        `hand-off to logic#${m.toServiceId} asked by ${link.peer.kind}#${link.peer.serviceId}`,
      )
    if (m.shardCount !== this.home.shards.shards)
      throw new LogicShardMoveRefused(
        `${m.shardCount} shards asked, this logic counts ${this.home.shards.shards}`,
      )
    const shards = new Set(m.shards)
    await this.mustBeMoving(shards)
    const sessions = await this.home.handOff(shards, m.toServiceId)
    const storage = this.storage
    await storage.flush()
    const st = storage.stats()
    // A change acknowledged here but still in the dump file (the database
    // failed) would be refused by the fence: stop. (Rows of other players,
    // still playing here, may be dirty again already; the movers' rows were
    // written by their unload.)
    if (st.dumpPending > 0)
      throw new LogicShardHandOffFailed(`${st.dumpPending} statements wait in the dump file`)
    const ids = new Set(await usersOfShards(storage.client, 'player', [...shards], m.shardCount))
    for (const s of sessions) ids.add(String(s.userId))
    for (const id of ids) this.handedTo.set(BigInt(id), m.toServiceId)
    this.host.context.logger.warn(
      { to: m.toServiceId, shards: shards.size, users: ids.size, sessions: sessions.length },
      'shards handed off',
    )
    return { userIds: [...ids].map(BigInt), sessions, database: storage.client.database }
  }

  /**
   * A hand-off only of shards the center marked moving (a logic peer cannot
   * take shards that no move is giving). The center pushes that table
   * before it starts the receiver, on another link: wait for it a little.
   */
  private async mustBeMoving(shards: ReadonlySet<number>): Promise<void> {
    const map = this.home.shards
    const waitMs = this.host.context.config.cluster.requestTimeoutMs
    for (let i = 0; i < 2; i++) {
      const idle = [...shards].filter((sh) => !map.isShardMoving(sh))
      if (idle.length === 0) return
      if (i === 1 || !(await map.whenNewer(map.version, waitMs)))
        throw new LogicShardMoveRefused(`shards ${idle.slice(0, 10).join(', ')} are not moving`)
    }
  }

  private async fence(users: readonly FencedUser[]): Promise<number> {
    const fenced = users.map((u) => ({ id: String(u.userId), epoch: u.epoch }))
    let rows = 0
    for (const e of PLAYER_ENTITIES) rows += await fenceUsers(this.storage.client, e.table, fenced)
    return rows
  }

  // ---- receiver ----------------------------------------------------------------

  private async receive(m: ShardMoveStart): Promise<void> {
    const ctx = this.host.context
    const proxy = ctx.proxy
    const stepMs = ctx.config.logic.shardMoveStepMs
    let done: ShardMoveDone = { moveId: m.moveId, error: '', users: 0, sessions: 0 }
    try {
      const h = await proxy.request(
        m.fromServiceId,
        ShardHandOff,
        { shards: m.shards, shardCount: m.shardCount, toServiceId: ctx.serviceId },
        ShardHandOffOk,
        { timeoutMs: stepMs },
      )
      const users: FencedUser[] = []
      for (let i = 0; i < h.userIds.length; i += BATCH) {
        const r = await proxy.request(
          CENTER_CHANNEL_ID,
          ShardFenceClaim,
          { userIds: h.userIds.slice(i, i + BATCH) },
          ShardFenceClaimOk,
          { timeoutMs: stepMs },
        )
        users.push(...r.users)
      }
      for (let i = 0; i < users.length; i += BATCH)
        await proxy.request(m.fromServiceId, ShardFence, { users: users.slice(i, i + BATCH) }, ShardFenceOk, {
          timeoutMs: stepMs,
        })
      await this.copy(h.database, users)
      const epochs = new Map(users.map((u) => [u.userId, u.epoch]))
      const sessions = await this.home.adopt(h.sessions, epochs)
      done = { ...done, users: users.length, sessions }
      ctx.logger.warn({ from: m.fromServiceId, shards: m.shards.length, ...done }, 'shards received')
    } catch (err) {
      const e = toTesseraError(err)
      ctx.logger.error({ err, from: m.fromServiceId, move: m.moveId }, 'shard move failed')
      done = { ...done, error: `${e.code}: ${e.message}` }
    }
    await proxy
      .request(CENTER_CHANNEL_ID, ShardMoveDone, done, ShardTableState, { timeoutMs: stepMs })
      .catch((err: unknown) =>
        ctx.logger.error({ err, move: m.moveId }, 'the center did not take the end of the move'),
      )
  }

  /** Copy the fenced users' rows from the giver's database (same server) into this one. */
  private async copy(fromDatabase: string, users: readonly FencedUser[]): Promise<void> {
    const db = this.storage.client
    const fenced = users.map((u) => ({ id: String(u.userId), epoch: u.epoch }))
    for (const e of PLAYER_ENTITIES) await copyUsers(db, db, e as Entity<Columns>, fenced, 200, fromDatabase)
    for (let i = 0; i < fenced.length; i += BATCH) {
      const ids = fenced.slice(i, i + BATCH).map((u) => u.id)
      // Keyed by message id or user id: copying again keeps one row.
      for (const t of USER_TABLES)
        await db.query(
          `INSERT IGNORE INTO \`${t.table}\` SELECT * FROM \`${fromDatabase}\`.\`${t.table}\` WHERE \`${t.user}\` IN (?)`,
          [ids],
        )
    }
  }
}

/** Type id of the shard mover (logic range 20000-29999). */
export const SHARD_MOVER_ID = 20_060

// @component logic sort=40
export const shardMover: ComponentFactory<ShardMover, ServiceContext<LogicConfig>> = {
  typeId: SHARD_MOVER_ID,
  name: 'shard-mover',
  dependsOn: [STORAGE_COMPONENT_ID, SESSION_HOME_ID],
  create: (host) => new ShardMover(host),
}
