import { timingSafeEqual } from 'node:crypto'
import {
  BaseComponent,
  type ComponentFactory,
  EdgeResumeRefused,
  FrameFlag,
  followShardTable,
  isClientVisible,
  type Link,
  newToken,
  type ServiceContext,
  ShardMap,
  type TesseraError,
  toErrorReply,
  toTesseraError,
} from '@tessera/kernel'
import {
  Ack,
  ClientAck,
  ClientFrames,
  ClientGone,
  ErrorReply,
  Kick,
  KickReason,
  type MessageType,
  type OutFrame,
  SessionBind,
  SessionBindOk,
  type SessionImage,
  SessionResumeCheck,
  SessionResumeCheckOk,
  ShardTableGet,
  ShardTableState,
  ToClient,
  WireError,
} from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type Storage, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../config.js'
import { LogicNotYourGateway, LogicStaleBind } from '../errors.js'
import { Player, type PlayerRow } from '../player/index.js'
import { LogicShardMoved } from '../shard/shard-errors.js'
import { PlayerSession } from './player-session.js'
import { parseResumeToken } from './resume-token.js'

/** What a feature handler gets besides the request. */
export interface PlayerContext {
  readonly userId: bigint
  /** The player's row: assign fields, the storage tracks and writes them. */
  readonly player: PlayerRow
  readonly session: PlayerSession
  /** Push a message to this player (sequenced, replayed after a resume). */
  push<T>(type: MessageType<T>, message: T): void
}

export type FeatureHandler<Req, Res> = (request: Req, ctx: PlayerContext) => Res | Promise<Res>

/**
 * What a feature does when a player arrives or leaves this logic. Both run
 * in the player's own queue (one at a time with the player's requests), so
 * they may change the row without racing a handler.
 */
export interface PlayerLifecycle {
  /**
   * A new session was bound (a login, or a login that replaced an older
   * session) — not on a resume, which keeps the session. Runs before the
   * client's first request is handled; pushes made here reach the client
   * right after HandshakeOk (deliver stored mail, catch up resets, ...).
   */
  joined?(ctx: PlayerContext): void | Promise<void>
  /**
   * The session ended here (logout, resume grace over, replaced, shutdown,
   * or moved to another logic), before the row is flushed. When
   * `ctx.session.movingTo` is set the player lives on there: keep what must
   * follow it in `ctx.session.carried` (the new owner's `joined` hook reads
   * it) instead of ending it.
   */
  left?(ctx: PlayerContext): void | Promise<void>
  /**
   * A moving session's image is being taken (a shard hand-off), at the very
   * moment: synchronous, before `left`. What the session was sent up to now
   * moves with the image; what is sent after does not reach it. Note here,
   * in `ctx.session.carried`, what the new owner needs to fill that gap
   * (chat: the last channel line this logic delivered).
   */
  imaging?(ctx: PlayerContext): void
}

interface Route {
  req: MessageType<unknown>
  res: MessageType<unknown> | null
  fn: FeatureHandler<unknown, unknown>
}

/** Header byte 1 of a forwarded client frame whose body the gateway could not open. */
export const BAD_BODY_MARK = 0xbb
/** ... or whose message id the gateway does not know. */
export const UNKNOWN_MARK = 0xbc

/**
 * The home of player sessions on a logic service: gateways bind sessions
 * here (SessionBind), forward client frames (ClientFrames, ClientAck,
 * ClientGone), and get every frame for the client back as ToClient on the
 * same link. Holds the sequenced state (PlayerSession), loads the player row
 * with the ownership epoch on bind and unloads it on release, and runs
 * feature handlers registered with {@link SessionHome.route}.
 */
export class SessionHome extends BaseComponent<ServiceContext<LogicConfig>> {
  private readonly sessions = new Map<string, PlayerSession>()
  private readonly byUser = new Map<bigint, PlayerSession>()
  private readonly routes = new Map<number, Route>()
  private readonly locks = new Map<bigint, Promise<unknown>>()
  private readonly lifecycles: PlayerLifecycle[] = []
  private storageRef: Storage | undefined
  private shardsRef: ShardMap | undefined
  /** Shards handed to another logic, with the table version at the hand-off: binds refused until a newer table says they are ours. */
  private readonly givenAway = new Map<number, number>()
  /** Work for players of a shard that must end before the shard is handed off ({@link serveShard}). */
  private readonly shardWork = new Map<number, Set<Promise<unknown>>>()
  private stopShards: (() => void) | undefined
  /** Frames from a connection that no longer holds its session (replaced, resumed elsewhere), or from a peer speaking for another gateway. */
  staleFrames = 0
  /** ToClient cluster messages sent to gateways (one per gateway link per broadcast). */
  toClientSent = 0

  /**
   * Register the handler of a client message. `res` is the response type of
   * a request; null for notifications. A thrown TesseraError reaches the
   * client as an ErrorReply (game codes as WIRE_REJECTED with the code as name).
   */
  route<Req, Res>(req: MessageType<Req>, res: MessageType<Res> | null, fn: FeatureHandler<Req, Res>): this {
    if (this.routes.has(req.msgId)) throw new Error(`message ${req.name} already has a handler`)
    this.routes.set(req.msgId, {
      req: req as MessageType<unknown>,
      res: res as MessageType<unknown> | null,
      fn: fn as FeatureHandler<unknown, unknown>,
    })
    return this
  }

  /** Register what a feature does when players arrive and leave (called in registration order). */
  onPlayer(lifecycle: PlayerLifecycle): this {
    this.lifecycles.push(lifecycle)
    return this
  }

  /** User ids of the players with a session here (live or waiting for a resume). */
  online(): IterableIterator<bigint> {
    return this.byUser.keys()
  }

  /**
   * Run `fn` with a player's context in that player's queue (after requests
   * already queued, before later ones): for timers, resets and messages from
   * other services that change the row. Resolves to undefined when the
   * player has no session here (then the caller persists the work instead).
   */
  withPlayer<T>(userId: bigint, fn: (ctx: PlayerContext) => T | Promise<T>): Promise<T | undefined> {
    const s = this.byUser.get(userId)
    if (s === undefined || s.state === 'released') return Promise.resolve(undefined)
    const run = s.chain.then(() => (s.state === 'released' ? undefined : fn(this.contextOf(s))))
    s.chain = run.then(
      () => {},
      () => {},
    )
    return run
  }

  get size(): number {
    return this.sessions.size
  }

  sessionOf(userId: bigint): PlayerSession | undefined {
    return this.byUser.get(userId)
  }

  /**
   * Which logic holds each player: logic.slots until the center's shard
   * table arrives, then the table (kept current by pushes and refreshes).
   */
  get shards(): ShardMap {
    if (this.shardsRef === undefined) {
      const l = this.host.context.config.logic
      this.shardsRef = new ShardMap(l.slots ?? [l.serviceId], l.shards, 'logic.slots')
    }
    return this.shardsRef
  }

  private get storage(): Storage {
    this.storageRef ??= this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage
    return this.storageRef
  }

  private get cfg(): LogicConfig['logic'] {
    return this.host.context.config.logic
  }

  init(): void {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) return
    // At init: the center pushes the table as soon as this service registers.
    this.stopShards = followShardTable({
      proxy: ctx.proxy,
      map: this.shards,
      get: ShardTableGet,
      state: ShardTableState,
      everyMs: this.cfg.shardRefreshMs,
      timeoutMs: ctx.config.cluster.requestTimeoutMs,
      logger: ctx.logger,
      timers: ctx.timers,
    })
  }

  startup(): void {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) return
    const proxy = ctx.proxy
    proxy.handle(SessionBind, SessionBindOk, (m, link) => this.bind(m, link))
    proxy.handle(SessionResumeCheck, SessionResumeCheckOk, (m) => this.resumeCheck(m))
    // A gateway speaks only for its own connections: a message naming another
    // gateway than the authenticated peer of its link is dropped (counted).
    proxy.on(ClientFrames, (m, link) => {
      if (this.fromNamedGateway(m.gatewayServiceId, link, m.frames.length)) this.onFrames(m, link)
    })
    proxy.on(ClientAck, (m, link) => {
      if (this.fromNamedGateway(m.gatewayServiceId, link, 1)) this.onAck(m)
    })
    proxy.on(ClientGone, (m, link) => {
      if (this.fromNamedGateway(m.gatewayServiceId, link, 1)) this.onGone(m)
    })
    proxy.addLinkDownListener((link) => {
      for (const s of this.sessions.values()) if (s.link === link) this.linger(s)
    })
    const sessions = this.sessions
    const home = this
    ctx.metrics.counter({
      name: 'logic_to_client_messages_total',
      help: 'ToClient cluster messages sent to gateways (a broadcast sends one per gateway link)',
      collect() {
        this.reset()
        this.inc(home.toClientSent)
      },
    })
    ctx.metrics.gauge({
      name: 'logic_player_sessions',
      help: 'Player sessions held by this logic (live and lingering)',
      collect() {
        this.set(sessions.size)
      },
    })
  }

  /** Shutdown: every session ends; connected clients get Kick(KICK_SHUTDOWN). Rows flush with the storage. */
  async willClose(): Promise<void> {
    this.stopShards?.()
    const ends = [...this.sessions.values()].map((s) =>
      this.end(s, { reason: KickReason.KICK_SHUTDOWN, message: 'server shutting down' }),
    )
    await Promise.all(ends)
  }

  // ---- bind / resume ---------------------------------------------------------

  private fromNamedGateway(gatewayServiceId: number, link: Link, n: number): boolean {
    if (link.peer.kind === 'gateway' && link.peer.serviceId === gatewayServiceId) return true
    this.staleFrames += n
    return false
  }

  private bind(m: SessionBind, link: Link): Promise<SessionBindOk> {
    if (link.peer.kind !== 'gateway' || link.peer.serviceId !== m.gatewayServiceId)
      return Promise.reject(
        new LogicNotYourGateway(m.gatewayServiceId, `${link.peer.kind}#${link.peer.serviceId}`),
      )
    this.refuseMoved(m.userId)
    return this.serial(m.userId, async () => {
      const uid = m.userId
      this.refuseMoved(uid)
      const cur = this.byUser.get(uid)
      if (cur && m.epoch <= cur.epoch)
        throw new LogicStaleBind(String(uid), String(m.epoch), String(cur.epoch))
      if (m.resume !== undefined) {
        const last = Number(m.resume.lastReceivedSeq)
        const s = this.resumable(cur, m.resume.resumeToken, last)
        if (s.link !== null) {
          // The old connection may still be open (the client switched
          // networks): close it without a Kick, the client has moved on.
          this.toClient(s.link, [s.connId], 0, 0, 0, new Uint8Array(0), true)
        }
        s.detach()
        s.player = await this.reload(s.player, uid, s.nickname, m.epoch)
        s.resumeToken = resumeToken(uid)
        s.attach(m.gatewayServiceId, m.connId, link, m.epoch)
        s.out.ack(last)
        const replay: OutFrame[] = s.out
          .after(last)
          .map((f) => ({ flags: f.flags, msgId: f.msgId, reqId: f.reqId, body: f.body }))
        return {
          sessionId: s.id,
          resumeToken: s.resumeToken,
          resumed: true,
          lastReceivedSeq: BigInt(s.inSeq),
          replay,
        }
      }
      let old: PlayerRow | null = null
      if (cur) {
        // A new login replaces the session: its connection is kicked and its
        // sequenced state dropped; the row is reloaded under the new epoch.
        old = cur.player
        await this.end(cur, { reason: KickReason.KICK_REPLACED, message: 'logged in elsewhere' }, false)
      }
      const player = await this.reload(old, uid, m.nickname, m.epoch)
      const s = new PlayerSession(
        newToken(16),
        uid,
        m.nickname,
        m.loginEpoch,
        resumeToken(uid),
        m.epoch,
        player,
      )
      s.attach(m.gatewayServiceId, m.connId, link, m.epoch)
      this.sessions.set(s.id, s)
      this.byUser.set(uid, s)
      this.host.context.logger.debug({ userId: String(uid), session: s.id, epoch: String(m.epoch) }, 'bound')
      void this.lifecycle(s, 'joined')
      return { sessionId: s.id, resumeToken: s.resumeToken, resumed: false, lastReceivedSeq: 0n, replay: [] }
    })
  }

  private resumeCheck(m: SessionResumeCheck): SessionResumeCheckOk {
    const uid = parseResumeToken(m.resumeToken)
    if (uid === null) throw new EdgeResumeRefused('malformed resume token')
    this.refuseMoved(uid)
    const s = this.resumable(this.byUser.get(uid), m.resumeToken, Number(m.lastReceivedSeq))
    return { userId: s.userId, nickname: s.nickname, loginEpoch: s.loginEpoch }
  }

  private resumable(s: PlayerSession | undefined, token: string, last: number): PlayerSession {
    if (s === undefined || s.state === 'released' || !sameToken(s.resumeToken, token))
      throw new EdgeResumeRefused('unknown or expired resume token')
    if (!s.canResumeFrom(last)) {
      void this.end(s, null)
      throw new EdgeResumeRefused(`messages after ${last} are no longer held`)
    }
    return s
  }

  // ---- moving shards (docs/operations.md) -----------------------------------

  /** A player of a shard this logic does not serve now: the gateway binds at the new owner. */
  private refuseMoved(uid: bigint): void {
    const m = this.shards
    const shard = m.shardOf(uid)
    const gaveAt = this.givenAway.get(shard)
    const gone = gaveAt !== undefined && m.version <= gaveAt
    if (gone || m.isMoving(uid) || (m.version > 0 && m.logicOf(uid) !== this.host.context.serviceId))
      throw new LogicShardMoved(String(uid), shard)
  }

  /**
   * Run work for a player held here that must not overlap its shard's
   * hand-off (a private message stored or pushed here): refused with
   * LOGIC_SHARD_MOVED when the shard is moving, handed off or not ours (the
   * sender asks the new owner); a hand-off waits for the work already
   * running. So the work lands before the receiver copies, or not at all.
   */
  serveShard<T>(userId: bigint, fn: () => Promise<T>): Promise<T> {
    this.refuseMoved(userId)
    const shard = this.shards.shardOf(userId)
    let set = this.shardWork.get(shard)
    if (set === undefined) {
      set = new Set()
      this.shardWork.set(shard, set)
    }
    const run = fn()
    const tracked = run.then(
      () => {},
      () => {},
    )
    set.add(tracked)
    void tracked.then(() => {
      set.delete(tracked)
      if (set.size === 0 && this.shardWork.get(shard) === set) this.shardWork.delete(shard)
    })
    return run
  }

  /**
   * Give these shards away to logic `to` (the giver's half of a move):
   * refuse their binds and shard work from now on (and let the running work
   * end), and end each of their sessions after the frames it already
   * received were handled — its connection closed without a Kick (the
   * client resumes; its gateway holds the resume until the move ends), its
   * `left` hooks run (seeing `movingTo`) and its rows flushed. Returns the
   * sessions' images for the new owner, with what features carry.
   */
  async handOff(shards: ReadonlySet<number>, to: number): Promise<SessionImage[]> {
    for (const sh of shards) this.givenAway.set(sh, this.shards.version)
    const work = [...shards].flatMap((sh) => [...(this.shardWork.get(sh) ?? [])])
    await Promise.all(work)
    const going = [...this.sessions.values()].filter((s) => shards.has(this.shards.shardOf(s.userId)))
    const images: SessionImage[] = []
    for (const s of going) {
      if (s.state === 'released') continue
      if (s.link !== null) this.toClient(s.link, [s.connId], 0, 0, 0, new Uint8Array(0), true)
      // Lingering: frames still arriving from that connection are refused (not counted).
      s.detach()
      if (s.lingerTimer !== null) clearTimeout(s.lingerTimer)
      s.lingerTimer = null
      s.movingTo = to
      s.moving.abort()
      await s.chain
      const ctx = this.contextOf(s)
      for (const l of this.lifecycles) {
        try {
          l.imaging?.(ctx)
        } catch (err) {
          this.host.context.logger.error({ err, userId: String(s.userId) }, 'player imaging hook failed')
        }
      }
      const image = imageOf(s)
      await this.end(s, null)
      image.carried = [...s.carried].map(([key, data]) => ({ key, data }))
      images.push(image)
    }
    return images
  }

  /** True when this logic gave the player's shard away and no newer table gave it back. */
  handedOff(userId: bigint): boolean {
    const gaveAt = this.givenAway.get(this.shards.shardOf(userId))
    return gaveAt !== undefined && this.shards.version <= gaveAt
  }

  /**
   * Take over sessions moved here (the receiver's half): each waits for its
   * client's resume for the resume grace period, with its sequences and
   * unacknowledged frames as the old owner had them, its rows loaded under
   * the move's epoch; the `joined` hooks run (features load their rows and
   * arm their timers). Returns the sessions taken.
   */
  async adopt(images: readonly SessionImage[], epochs: ReadonlyMap<bigint, bigint>): Promise<number> {
    let n = 0
    for (const img of images) {
      const uid = img.userId
      const epoch = epochs.get(uid)
      if (epoch === undefined || this.byUser.has(uid)) continue
      this.givenAway.delete(this.shards.shardOf(uid))
      const player = await this.reload(null, uid, img.nickname, epoch)
      const s = new PlayerSession(
        img.sessionId,
        uid,
        img.nickname,
        img.loginEpoch,
        img.resumeToken,
        epoch,
        player,
      )
      s.state = 'lingering'
      s.inSeq = Number(img.inSeq)
      s.ackedIn = s.inSeq
      s.out.lastSeq = Number(img.outLastSeq) - img.frames.length
      for (const f of img.frames) s.out.push(f.flags, f.msgId, f.reqId, f.body)
      for (const c of img.carried) s.carried.set(c.key, c.data)
      s.lingerTimer = setTimeout(() => void this.end(s, null), this.cfg.resumeGraceMs)
      s.lingerTimer.unref()
      this.sessions.set(s.id, s)
      this.byUser.set(uid, s)
      void this.lifecycle(s, 'joined')
      n++
    }
    return n
  }

  /** Flush the old row (under its epoch), then load or create it under the new one. */
  private async reload(
    old: PlayerRow | null,
    uid: bigint,
    nickname: string,
    epoch: bigint,
  ): Promise<PlayerRow> {
    const storage = this.storage
    if (old !== null) {
      await storage
        .unload(old)
        .catch((err: unknown) =>
          this.host.context.logger.warn({ err, userId: String(uid) }, 'player row did not flush on re-bind'),
        )
    }
    const e = Number(epoch)
    const row = await storage.load(Player, uid, { epoch: e })
    if (row) return row
    return storage.create(
      Player,
      { id: uid, nickname: nickname.slice(0, 24), created_at_ms: BigInt(this.host.context.clock.now()) },
      { epoch: e },
    )
  }

  // ---- client traffic --------------------------------------------------------

  private onFrames(m: ClientFrames, link: Link): void {
    const s = this.sessions.get(m.sessionId)
    if (s === undefined) {
      // This logic does not know the session (it restarted): the gateway
      // closes the connection; the client logs in again (docs/gateway.md).
      this.staleFrames += m.frames.length
      this.toClient(
        link,
        [m.connId],
        FrameFlag.PRIORITY,
        Kick.msgId,
        0,
        Kick.encode({ reason: KickReason.KICK_SHUTDOWN, message: 'game session lost; log in again' }),
        true,
      )
      return
    }
    if (!s.isBoundTo(m.epoch, m.gatewayServiceId, m.connId)) {
      this.staleFrames += m.frames.length
      return
    }
    for (const f of m.frames) {
      if (f.length < 10) continue
      const msgId = ((f[2]! << 24) >>> 0) + (f[3]! << 16) + (f[4]! << 8) + f[5]!
      const reqId = ((f[6]! << 24) >>> 0) + (f[7]! << 16) + (f[8]! << 8) + f[9]!
      const mark = f[1]!
      const body = f.subarray(10)
      this.received(s)
      s.chain = s.chain.then(() => this.run(s, msgId, reqId, body, mark))
    }
  }

  /**
   * Handle one client frame. A synchronous handler is answered at once (no
   * await: the echo path paid a promise and a microtask per frame for it);
   * an async one returns its promise, which never rejects.
   */
  private run(
    s: PlayerSession,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    mark: number,
  ): Promise<void> | undefined {
    if (s.state === 'released') return undefined
    const r = mark === UNKNOWN_MARK ? undefined : this.routes.get(msgId)
    const bad = mark === BAD_BODY_MARK
    if (bad || r === undefined) {
      if (reqId !== 0)
        this.error(s, msgId, reqId, {
          code: bad ? WireError.WIRE_BAD_BODY : WireError.WIRE_UNKNOWN_MESSAGE,
          name: bad ? 'WIRE_BAD_BODY' : 'WIRE_UNKNOWN_MESSAGE',
          message: bad ? 'the body did not open' : `no handler for message id ${msgId}`,
        })
      return undefined
    }
    let req: unknown
    try {
      req = r.req.decode(body)
    } catch (err) {
      if (reqId !== 0)
        this.error(s, msgId, reqId, {
          code: WireError.WIRE_BAD_BODY,
          name: 'WIRE_BAD_BODY',
          message: (err as Error).message,
        })
      return undefined
    }
    let res: unknown
    try {
      res = r.fn(req, this.contextOf(s))
    } catch (err) {
      this.handlerFailed(s, msgId, reqId, err)
      return undefined
    }
    if (isThenable(res))
      return Promise.resolve(res).then(
        (v) => this.answer(s, r, msgId, reqId, v),
        (err: unknown) => this.handlerFailed(s, msgId, reqId, err),
      )
    this.answer(s, r, msgId, reqId, res)
    return undefined
  }

  /** Send a handler's result (a request's response); an encoding failure is answered like a thrown error. */
  private answer(s: PlayerSession, r: Route, msgId: number, reqId: number, res: unknown): void {
    if (reqId === 0 || r.res === null) return
    try {
      this.enqueue(s, FrameFlag.RESPONSE, r.res.msgId, reqId, r.res.encode(res))
    } catch (err) {
      this.handlerFailed(s, msgId, reqId, err)
    }
  }

  private handlerFailed(s: PlayerSession, msgId: number, reqId: number, err: unknown): void {
    const e: TesseraError = toTesseraError(err)
    // Game refusals are defined { client: true }; anything else reaches the
    // client as WIRE_INTERNAL (toErrorReply) and is logged here in full.
    if (!isClientVisible(e.code))
      this.host.context.logger.error({ err, msgId, userId: String(s.userId) }, 'handler failed')
    if (reqId !== 0) this.error(s, msgId, reqId, toErrorReply(e))
  }

  /**
   * The context handed to handlers: made once per session and player row
   * (a context and its push closure per message were a measurable part of
   * the echo path), new when the row is replaced, as a per-call one was.
   */
  private contextOf(s: PlayerSession): PlayerContext {
    const c = s.context
    if (c !== null && c.player === s.player) return c
    const made: PlayerContext = {
      userId: s.userId,
      player: s.player,
      session: s,
      push: (type, message) => this.enqueue(s, 0, type.msgId, 0, type.encode(message)),
    }
    s.context = made
    return made
  }

  /** Queue the lifecycle hooks of one event on the session's chain; a failing hook is logged, not fatal. */
  private lifecycle(s: PlayerSession, event: 'joined' | 'left'): Promise<void> {
    const ctx = this.contextOf(s)
    const run = async (): Promise<void> => {
      for (const l of this.lifecycles) {
        const fn = l[event]
        if (fn === undefined) continue
        try {
          await fn.call(l, ctx)
        } catch (err) {
          this.host.context.logger.error(
            { err, event, userId: String(s.userId) },
            'player lifecycle hook failed',
          )
        }
      }
    }
    const done = s.chain.then(run, run)
    s.chain = done
    return done
  }

  private error(s: PlayerSession, msgId: number, reqId: number, e: ErrorReply): void {
    this.enqueue(s, FrameFlag.RESPONSE | FrameFlag.ERROR, msgId, reqId, ErrorReply.encode(e))
  }

  private onAck(m: ClientAck): void {
    const s = this.sessions.get(m.sessionId)
    if (s === undefined || !s.isBoundTo(m.epoch, m.gatewayServiceId, m.connId)) return
    if (!s.out.ack(Number(m.seq)))
      void this.end(s, { reason: KickReason.KICK_PROTOCOL, message: `Ack of ${m.seq}, a message never sent` })
  }

  private onGone(m: ClientGone): void {
    const s = this.sessions.get(m.sessionId)
    if (s === undefined || !s.isBoundTo(m.epoch, m.gatewayServiceId, m.connId)) return
    if (m.release) void this.end(s, null)
    else this.linger(s)
  }

  // ---- sending ---------------------------------------------------------------

  /** Push to one player (sequenced). False when the player has no session here. */
  push<T>(userId: bigint, type: MessageType<T>, message: T): boolean {
    const s = this.byUser.get(userId)
    if (s === undefined) return false
    this.enqueue(s, 0, type.msgId, 0, type.encode(message))
    return true
  }

  /**
   * Push one message to many players: encoded once, sequenced per player,
   * and sent as one ToClient per gateway link listing its connections.
   */
  broadcast<T>(userIds: Iterable<bigint>, type: MessageType<T>, message: T): number {
    const body = type.encode(message)
    const groups = new Map<Link, number[]>()
    let n = 0
    for (const uid of userIds) {
      const s = this.byUser.get(uid)
      if (s === undefined || !this.sequence(s, 0, type.msgId, 0, body)) continue
      n++
      if (s.link === null) continue
      const g = groups.get(s.link)
      if (g) g.push(s.connId)
      else groups.set(s.link, [s.connId])
    }
    for (const [link, conns] of groups) this.toClient(link, conns, 0, type.msgId, 0, body)
    return n
  }

  private enqueue(s: PlayerSession, flags: number, msgId: number, reqId: number, body: Uint8Array): void {
    if (this.sequence(s, flags, msgId, reqId, body) && s.link !== null)
      this.toClient(s.link, [s.connId], flags, msgId, reqId, body)
  }

  /** Number and keep one frame for replay; false when the session is gone or just overflowed. */
  private sequence(s: PlayerSession, flags: number, msgId: number, reqId: number, body: Uint8Array): boolean {
    if (s.state === 'released') return false
    s.out.push(flags, msgId, reqId, body)
    if (s.out.bytes > this.cfg.maxReplayBytes) {
      void this.end(s, {
        reason: KickReason.KICK_SLOW_CONSUMER,
        message: `unacknowledged messages hold ${s.out.bytes} bytes > max ${this.cfg.maxReplayBytes}`,
      })
      return false
    }
    return true
  }

  private toClient(
    link: Link,
    connIds: number[],
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    close = false,
  ): void {
    this.toClientSent++
    this.host.context.proxy.sendOn(link, ToClient, { connIds, flags, msgId, reqId, body, close })
  }

  /** Count one client game frame; acknowledge every ackEvery frames or after ackDelayMs. */
  private received(s: PlayerSession): void {
    s.inSeq++
    if (s.inSeq - s.ackedIn >= this.cfg.ackEvery) this.sendAck(s)
    else if (s.ackTimer === null) {
      s.ackTimer = setTimeout(() => this.sendAck(s), this.cfg.ackDelayMs)
      s.ackTimer.unref()
    }
  }

  private sendAck(s: PlayerSession): void {
    if (s.ackTimer !== null) clearTimeout(s.ackTimer)
    s.ackTimer = null
    if (s.link === null || s.ackedIn === s.inSeq) return
    s.ackedIn = s.inSeq
    this.toClient(s.link, [s.connId], FrameFlag.PRIORITY, Ack.msgId, 0, Ack.encode({ seq: BigInt(s.inSeq) }))
  }

  // ---- end of a session ------------------------------------------------------

  /** The connection dropped: keep the session for the resume grace period. */
  private linger(s: PlayerSession): void {
    if (s.state !== 'live') return
    s.detach()
    s.lingerTimer = setTimeout(() => void this.end(s, null), this.cfg.resumeGraceMs)
    s.lingerTimer.unref()
  }

  /**
   * End a session for good: its connection (if any) gets the Kick and is
   * closed, its resume token stops working, and (unless the caller reloads
   * it) the player row is flushed and forgotten.
   */
  private end(
    s: PlayerSession,
    kick: { reason: KickReason; message: string } | null,
    unload = true,
  ): Promise<void> {
    if (s.state === 'released') return Promise.resolve()
    if (s.link !== null) {
      if (kick !== null)
        this.toClient(
          s.link,
          [s.connId],
          FrameFlag.PRIORITY,
          Kick.msgId,
          0,
          Kick.encode({ reason: kick.reason, message: kick.message }),
          true,
        )
      else this.toClient(s.link, [s.connId], 0, 0, 0, new Uint8Array(0), true)
    }
    this.sessions.delete(s.id)
    if (this.byUser.get(s.userId) === s) this.byUser.delete(s.userId)
    s.dispose()
    // Features see the player leave (with the row) before it is flushed.
    const left = this.lifecycle(s, 'left')
    if (!unload) return left
    const row = s.player
    const done = this.serial(s.userId, () => left.then(() => this.storage.unload(row))).catch(
      (err: unknown) =>
        this.host.context.logger.warn(
          { err, userId: String(s.userId) },
          'player row did not flush on release',
        ),
    )
    return done.then(() => {})
  }

  /** Run binds and unloads of one user one at a time. */
  private serial<T>(uid: bigint, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.locks.set(uid, tail)
    void tail.then(() => {
      if (this.locks.get(uid) === tail) this.locks.delete(uid)
    })
    return next
  }
}

function imageOf(s: PlayerSession): SessionImage {
  return {
    userId: s.userId,
    sessionId: s.id,
    nickname: s.nickname,
    loginEpoch: s.loginEpoch,
    resumeToken: s.resumeToken,
    inSeq: BigInt(s.inSeq),
    outLastSeq: BigInt(s.out.lastSeq),
    frames: s.out.after(0).map((f) => ({ flags: f.flags, msgId: f.msgId, reqId: f.reqId, body: f.body })),
    carried: [],
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
}

function resumeToken(uid: bigint): string {
  return `${uid}.${newToken(32)}`
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Type id of the session home (logic range 20000-29999). */
export const SESSION_HOME_ID = 20_001

// @component logic sort=10
export const sessionHome: ComponentFactory<SessionHome, ServiceContext<LogicConfig>> = {
  typeId: SESSION_HOME_ID,
  name: 'session-home',
  dependsOn: [STORAGE_COMPONENT_ID],
  create: (host) => new SessionHome(host),
}
