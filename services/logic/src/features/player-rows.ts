import type { Logger } from '@tessera/kernel'
import { type Columns, type Entity, type Row, type RowInit, rowState, type Storage } from '@tessera/storage'
import type { PlayerContext } from '../session/index.js'

/**
 * A feature's own row per player (its own table, keyed by the user id),
 * loaded under the session's ownership epoch like the player row, so an
 * older owner's late writes are refused by the database. Use it from the
 * player's queue only (handlers, onPlayer hooks, withPlayer): one player's
 * calls never overlap there.
 */
export class PlayerRows<C extends Columns> {
  private readonly rows = new Map<bigint, Row<C>>()

  constructor(
    private readonly entity: Entity<C>,
    private readonly storage: () => Storage,
    /** Columns of a new row besides `id`. */
    private readonly init: (userId: bigint) => RowInit<C>,
    private readonly logger: Logger,
  ) {}

  /**
   * The player's row, loaded (or created) on first use. A resume re-binds
   * the session under a newer epoch: the row is then flushed under the old
   * one and loaded again under the new one, as the session home does with
   * the player row.
   */
  async get(ctx: PlayerContext): Promise<Row<C>> {
    const epoch = Number(ctx.session.epoch)
    const have = this.rows.get(ctx.userId)
    if (have !== undefined && rowState(have).epoch === epoch && rowState(have).fenced === undefined)
      return have
    if (have !== undefined) await this.release(ctx.userId)
    const storage = this.storage()
    const row =
      (await storage.load(this.entity, ctx.userId, { epoch })) ??
      storage.create(this.entity, { ...this.init(ctx.userId), id: ctx.userId } as RowInit<C>, { epoch })
    this.rows.set(ctx.userId, row)
    return row
  }

  /** The loaded row, if any (no database access). */
  peek(userId: bigint): Row<C> | undefined {
    return this.rows.get(userId)
  }

  /** Flush the row and forget it (the player left). A refused flush is logged: the data is in the error dump. */
  async release(userId: bigint): Promise<void> {
    const row = this.rows.get(userId)
    if (row === undefined) return
    this.rows.delete(userId)
    await this.storage()
      .unload(row)
      .catch((err: unknown) =>
        this.logger.warn(
          { err, userId: String(userId), table: this.entity.table },
          'row did not flush on release',
        ),
      )
  }

  get size(): number {
    return this.rows.size
  }
}
