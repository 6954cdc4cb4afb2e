import {
  BaseComponent,
  type ComponentFactory,
  type Counter,
  type ServiceContext,
  type TimerHandle,
} from '@tessera/kernel'
import { CatalogueSync, CatalogueSyncRes, CatalogueUpdate } from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import { type PlayerContext, SESSION_HOME_ID, type SessionHome } from '../../session/index.js'
import { CatalogueTooLarge, CatalogueUnavailable } from './catalogue-errors.js'
import { catalogueParts } from './catalogue-parts.js'
import { type CatalogueSnapshot, readCatalogue, readCatalogueHash } from './catalogue-rows.js'

interface Current {
  hash: string
  ids: ReadonlySet<number>
  parts: CatalogueUpdate[]
}

/**
 * The icon catalogue for clients. Reads the rows `tessera-icons apply`
 * wrote to `logic.catalogue.database` at start, then polls the stored hash
 * every `logic.catalogue.pollMs`; a new hash is read in one snapshot and
 * from then on served. Delivery: at a player's join the whole catalogue is
 * pushed unless the player's row says this hash was pushed before; a
 * CatalogueSync naming the current hash gets nothing more; a changed
 * catalogue is pushed to every online player, each in its own queue.
 */
export class CatalogueFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  private current: Current | null = null
  /** A catalogue refused as too large: not read again until the hash changes. */
  private refused: string | null = null
  private timer: TimerHandle | undefined
  private polling: Promise<void> | null = null
  private closed = false
  private deliveries: Counter<'reason'> | undefined

  private get home(): SessionHome {
    return this.host.get<SessionHome>(SESSION_HOME_ID)
  }

  private get cfg(): LogicConfig['logic']['catalogue'] {
    return this.host.context.config.logic.catalogue
  }

  /** Hash of the catalogue served now (null: none loaded). */
  get hash(): string | null {
    return this.current?.hash ?? null
  }

  /** True when `iconId` is an icon of the current catalogue (avatars are checked with it). */
  has(iconId: number): boolean {
    return this.current?.ids.has(iconId) ?? false
  }

  init(): void {
    const home = this.home
    home.onPlayer({ joined: (ctx) => this.deliver(ctx, 'join') })
    home.route(CatalogueSync, CatalogueSyncRes, (req, ctx) => {
      const c = this.current
      if (c === null) throw new CatalogueUnavailable(this.cfg.database)
      if (req.hash === c.hash) {
        // The client holds it: remember, so the next join pushes nothing either.
        ctx.player.catalogue_hash = c.hash
        return { hash: c.hash, upToDate: true }
      }
      this.push(ctx, c, 'sync')
      return { hash: c.hash, upToDate: false }
    })
  }

  async startup(): Promise<void> {
    const ctx = this.host.context
    this.deliveries = ctx.metrics.counter({
      name: 'logic_catalogue_deliveries_total',
      help: 'Whole-catalogue pushes to players, by reason (join, sync, change)',
      labelNames: ['reason'],
    })
    await this.poll()
    if (this.cfg.pollMs > 0) this.timer = ctx.timers.every(this.cfg.pollMs, () => void this.poll())
  }

  /** Look for a new hash; load, adopt and push it. One poll at a time; a failure is logged and retried next time. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = null
    })
    return this.polling
  }

  private async pollOnce(): Promise<void> {
    const { logger } = this.host.context
    const db = this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage.client
    const database = this.cfg.database
    try {
      const hash = await readCatalogueHash(db, database)
      if (hash === null || hash === this.current?.hash || hash === this.refused) {
        if (hash === null && this.current === null) logger.debug({ database }, 'catalogue: none applied yet')
        return
      }
      const snap = await readCatalogue(db, database)
      if (snap === null || this.closed) return
      const first = this.current === null
      try {
        this.adopt(snap)
      } catch (err) {
        if (!CatalogueTooLarge.is(err)) throw err
        this.refused = snap.hash
        logger.error({ err, database }, 'catalogue: refused; keeping the catalogue held')
        return
      }
      logger.info(
        { database, hash: snap.hash, icons: snap.icons.length, parts: this.current!.parts.length },
        first ? 'catalogue loaded' : 'catalogue changed',
      )
      if (!first) this.pushToOnline()
    } catch (err) {
      logger.error({ err, database }, 'catalogue: reading the rows failed; keeping the catalogue held')
    }
  }

  private adopt(snap: CatalogueSnapshot): void {
    const logic = this.host.context.config.logic
    // Half the replay budget: the catalogue shares the buffer with the player's other messages.
    const parts = catalogueParts(snap, this.cfg.partBytes, Math.floor(logic.maxReplayBytes / 2))
    this.current = { hash: snap.hash, ids: new Set(snap.icons.map((i) => i.id)), parts }
  }

  /** Every online player gets the new catalogue, in its own queue (after the requests already queued). */
  private pushToOnline(): void {
    const home = this.home
    for (const uid of [...home.online()]) void home.withPlayer(uid, (ctx) => this.deliver(ctx, 'change'))
  }

  private deliver(ctx: PlayerContext, reason: string): void {
    const c = this.current
    if (c === null || ctx.player.catalogue_hash === c.hash) return
    this.push(ctx, c, reason)
  }

  private push(ctx: PlayerContext, c: Current, reason: string): void {
    for (const p of c.parts) ctx.push(CatalogueUpdate, p)
    ctx.player.catalogue_hash = c.hash
    this.deliveries?.inc({ reason })
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
    await this.polling
  }
}

/** Type id of the catalogue feature (catalogue range 20050-20059). */
export const CATALOGUE_ID = 20_050

// @component logic sort=25
export const catalogueFeature: ComponentFactory<CatalogueFeature, ServiceContext<LogicConfig>> = {
  typeId: CATALOGUE_ID,
  name: 'catalogue',
  dependsOn: [SESSION_HOME_ID, STORAGE_COMPONENT_ID],
  create: (host) => new CatalogueFeature(host),
}
