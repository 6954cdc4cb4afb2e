import {
  BaseComponent,
  type ComponentFactory,
  type Counter,
  isClientVisible,
  type Link,
  type ServiceContext,
  type ShardMap,
  toTesseraError,
} from '@tessera/kernel'
import {
  ChatChannelJoin,
  ChatChannelJoinOk,
  ChatChannelLeave,
  ChatChannelLeaveOk,
  ChatChannelLine,
  ChatChannelLineOk,
  ChatChannelMembers,
  ChatChannelMembersOk,
  ChatCreate,
  ChatCreateRes,
  ChatDirect,
  ChatDirectOk,
  ChatJoin,
  ChatJoinRes,
  ChatKind,
  ChatLeave,
  ChatLeaveRes,
  ChatMembers,
  ChatMembersRes,
  ChatModerate,
  ChatModeration,
  ChatNotice,
  ChatPrivate,
  ChatPrivateRes,
  ChatPush,
  ChatRelay,
  ChatSend,
  ChatSendRes,
  type MessageType,
} from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import { type PlayerContext, SESSION_HOME_ID, type SessionHome } from '../../session/index.js'
import { LogicShardMoved } from '../../shard/shard-errors.js'
import { ChannelOwner } from './channel-owner.js'
import { ChannelStore } from './channel-store.js'
import {
  ChatBadChannelName,
  ChatBadPeer,
  ChatBanned,
  ChatRateLimited,
  ChatTargetUnavailable,
  ChatTooManyChannels,
  ChatUnavailable,
} from './chat-errors.js'
import { ChatStore } from './chat-store.js'
import { channelName, normaliseText, WORLD } from './chat-text.js'
import { Mailbox } from './mailbox.js'
import { Moderations } from './moderations.js'
import { RateLimiter } from './rate-limiter.js'

/**
 * How long a private message waits for its receiver's shard to finish
 * moving (then CHAT_UNAVAILABLE, nothing kept): below the SDK's default
 * request timeout (10 s), so the sender never times out on a message that
 * is delivered later.
 */
const DIRECT_MOVE_WAIT_MS = 8000
/** Key of chat's state in a moving session (PlayerSession.carried): its named channels. */
const CARRIED_CHANNELS = 'chat.channels'
/** Key of the last line of each of those channels that reached the session before its image (JSON {channel: id}). */
const CARRIED_LAST_LINES = 'chat.lastLines'

/**
 * Chat on logic: the world channel, named channels, private messages to a
 * player on any logic (stored when offline, delivered at next login),
 * system notices and operator mutes/bans from the center.
 *
 * Who does what: the sender's logic (the player's home) checks mute, ban,
 * text and rate; a named channel's owner logic (`ShardMap.logicOfName`)
 * holds its members, cap and history and relays each line once per logic
 * with members; a private message goes to the receiver's home logic
 * (`ShardMap.logicOf`), which pushes it or stores it. docs/writing-a-feature.md
 * ("Chat") has the flow and its cost.
 */
export class ChatFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  private home!: SessionHome
  private shards!: ShardMap
  private owner!: ChannelOwner
  private limiter!: RateLimiter
  private mailbox!: Mailbox
  private storeRef: ChatStore | undefined
  /**
   * Number of the newest line of each named channel this logic's members
   * have had (relayed, or in the history a join answered): a player moving
   * away got every line up to it, so its new logic replays the history
   * lines numbered after it.
   */
  private readonly lastSeq = new Map<string, number>()
  /** Named channels each player of this logic is in (left for them when they go). */
  private readonly channelsOf = new Map<bigint, Set<string>>()
  /** Mutes and bans of this logic's players (home logic only), from chat_moderation. */
  private readonly mods = new Moderations()
  private lines: Counter<'kind'> | undefined
  private deliveries: Counter | undefined
  /** Relays that could not be sent (the target logic is not in the cluster). */
  undeliveredRelays = 0

  init(): void {
    const { config } = this.host.context
    this.limiter = new RateLimiter(config.chat.ratePerSec, config.chat.burst)
    this.owner = new ChannelOwner(config.chat.historySize, {
      self: this.self,
      slots: () => this.shards.slots,
      local: (r) => this.deliver(r),
      remote: (logic, r) => this.sendRelay(logic, r),
      writeFailed: (err) =>
        this.host.context.logger.error({ err }, 'chat: a channel change did not reach the database'),
    })
    const home = this.host.get<SessionHome>(SESSION_HOME_ID)
    this.home = home
    // The session home's map: the center's shard table once it arrives.
    this.shards = home.shards
    home.route(ChatSend, ChatSendRes, (req, p) => this.send(req, p))
    home.route(ChatPrivate, ChatPrivateRes, (req, p) => this.private(req, p))
    home.route(ChatCreate, ChatCreateRes, (req, p) => this.join(req.channel, p, req.maxMembers || -1))
    home.route(ChatJoin, ChatJoinRes, (req, p) => this.join(req.channel, p, 0))
    home.route(ChatLeave, ChatLeaveRes, (req, p) => this.leave(req.channel, p))
    home.route(ChatMembers, ChatMembersRes, (req, p) => this.members(req.channel, p))
    this.mailbox = new Mailbox({
      home,
      store: () => this.store,
      maxPerPlayer: config.chat.maxMailPerPlayer,
      now: () => this.host.context.clock.now(),
      delivered: (n) => this.deliveries?.inc(n),
    })
    home.onPlayer({
      joined: async (p) => {
        await this.mailbox.deliver(p)
        await this.arrived(p)
      },
      left: (p) => (p.session.movingTo === null ? this.ended(p) : this.movingOut(p)),
      imaging: (p) => this.imaging(p),
    })
  }

  async startup(): Promise<void> {
    const ctx = this.host.context
    this.storeRef = new ChatStore(this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage.client)
    await this.storeRef.createTables()
    this.mods.replaceAll(await this.storeRef.moderations())
    // Channels this logic owns survive its restart (kill -9 included).
    const channels = new ChannelStore(this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage.client)
    await channels.createTables()
    const restored = await this.owner.attach(channels)
    if (restored > 0) ctx.logger.info({ channels: restored }, 'chat: channels restored')
    this.lines = ctx.metrics.counter({
      name: 'logic_chat_lines_total',
      help: 'Chat lines accepted from players of this logic, by kind',
      labelNames: ['kind'],
    })
    this.deliveries = ctx.metrics.counter({
      name: 'logic_chat_deliveries_total',
      help: 'Chat pushes handed to players of this logic (channel, world, private, notice)',
    })
    const owner = this.owner
    ctx.metrics.gauge({
      name: 'logic_chat_channels',
      help: 'Named chat channels this logic owns',
      collect() {
        this.set(owner.book.size)
      },
    })
    if (!ctx.config.cluster.center) return
    const p = ctx.proxy
    p.handle(ChatChannelLine, ChatChannelLineOk, (m, l) => this.fromLogic(l, m, (x) => this.owner.line(x)))
    p.handle(ChatChannelJoin, ChatChannelJoinOk, (m, l) => this.fromLogic(l, m, (x) => this.owner.join(x)))
    p.handle(ChatChannelLeave, ChatChannelLeaveOk, (m, l) => this.fromLogic(l, m, (x) => this.owner.leave(x)))
    p.handle(ChatChannelMembers, ChatChannelMembersOk, (m, l) =>
      this.fromLogic(l, m, (x) => this.owner.members(x)),
    )
    p.handle(ChatDirect, ChatDirectOk, (m, l) => this.fromLogic(l, m, (x) => this.direct(x)))
    p.on(ChatRelay, (m, l) => {
      if (l.peer.kind === 'logic') this.deliver(m)
    })
    p.on(ChatModerate, (m, l) => {
      if (l.peer.kind === 'center') void this.moderate(m)
    })
    p.on(ChatNotice, (m, l) => {
      if (l.peer.kind === 'center') this.notice(m)
    })
    // A logic that left the cluster holds no players: its members leave every channel here.
    p.membership.onChange((c) => {
      for (const s of c.down) if (s.kind === 'logic') this.owner.dropLogic(s.serviceId)
    })
  }

  close(): void {
    this.owner.book.clear()
    this.channelsOf.clear()
  }

  /** The chat tables (open after startup). */
  get store(): ChatStore {
    if (this.storeRef === undefined) throw new ChatUnavailable('storage', 'not started')
    return this.storeRef
  }

  private get self(): number {
    return this.host.context.serviceId
  }

  private get cfg(): LogicConfig['chat'] {
    return this.host.context.config.chat
  }

  // ---- player requests ------------------------------------------------------

  private async send(req: ChatSend, p: PlayerContext): Promise<ChatSendRes> {
    this.mayChat(p.userId)
    const channel = req.channel === WORLD ? WORLD : channelName(req.channel)
    const text = normaliseText(req.text, this.cfg.maxLength)
    this.rate(p.userId)
    const push = this.newPush(p, ChatKind.CHAT_KIND_CHANNEL, channel, text, 0n)
    await this.toOwner(
      channel,
      ChatChannelLine,
      { channel, fromUserId: p.userId, push: ChatPush.encode(push) },
      ChatChannelLineOk,
      (m) => this.owner.line(m),
    )
    this.lines?.inc({ kind: channel === WORLD ? 'world' : 'channel' })
    return { messageId: push.messageId }
  }

  private async private(req: ChatPrivate, p: PlayerContext): Promise<ChatPrivateRes> {
    this.mayChat(p.userId)
    const to = req.toUserId
    if (to <= 0n || to === p.userId) throw new ChatTargetUnavailable(String(to), 'not another player')
    const text = normaliseText(req.text, this.cfg.maxLength)
    this.rate(p.userId)
    const push = this.newPush(p, ChatKind.CHAT_KIND_PRIVATE, '', text, to)
    const m: ChatDirect = { toUserId: to, push: ChatPush.encode(push), messageId: push.messageId }
    const r = await this.sendDirect(m, p.session.moving.signal)
    this.lines?.inc({ kind: 'private' })
    return { messageId: push.messageId, stored: r.stored }
  }

  /** Create (maxMembers ≠ 0: -1 = default) or join a channel. */
  private async join(raw: string, p: PlayerContext, maxMembers: number): Promise<ChatJoinRes> {
    // A muted player may still join and read; a banned one is out of chat.
    if (this.mods.banned(p.userId)) throw new ChatBanned()
    const create = maxMembers !== 0
    const channel = !create && raw === WORLD ? WORLD : channelName(raw)
    if (create && channel === WORLD) throw new ChatBadChannelName(raw, 'the name is reserved')
    const mine = this.channelsOf.get(p.userId) ?? new Set<string>()
    if (channel !== WORLD && !mine.has(channel) && mine.size >= this.cfg.maxChannelsPerPlayer)
      throw new ChatTooManyChannels(mine.size)
    const cap = maxMembers <= 0 ? this.cfg.maxMembers : Math.min(maxMembers, this.cfg.maxMembers)
    const m: ChatChannelJoin = {
      channel,
      userId: p.userId,
      nickname: p.player.nickname,
      logicServiceId: this.self,
      create,
      maxMembers: cap,
    }
    const r = await this.toOwner(channel, ChatChannelJoin, m, ChatChannelJoinOk, (x) => this.owner.join(x))
    if (channel !== WORLD) {
      this.delivered(channel, r.lastSeq)
      mine.add(channel)
      this.channelsOf.set(p.userId, mine)
    }
    return {
      info: { name: channel, members: r.members, maxMembers: r.maxMembers, creatorUserId: r.creatorUserId },
      history: r.history.map((b) => ChatPush.decode(b)),
    }
  }

  private async leave(raw: string, p: PlayerContext): Promise<ChatLeaveRes> {
    if (raw === WORLD) throw new ChatBadChannelName(raw, 'the world channel cannot be left')
    const channel = channelName(raw)
    try {
      await this.toOwner(channel, ChatChannelLeave, { channel, userId: p.userId }, ChatChannelLeaveOk, (x) =>
        this.owner.leave(x),
      )
    } finally {
      this.channelsOf.get(p.userId)?.delete(channel)
    }
    return {}
  }

  private async members(raw: string, p: PlayerContext): Promise<ChatMembersRes> {
    if (raw === WORLD) throw new ChatBadChannelName(raw, 'the world channel has no member list')
    const channel = channelName(raw)
    const r = await this.toOwner(
      channel,
      ChatChannelMembers,
      { channel, userId: p.userId },
      ChatChannelMembersOk,
      (x) => this.owner.members(x),
    )
    return {
      info: {
        name: channel,
        members: r.members.length,
        maxMembers: r.maxMembers,
        creatorUserId: r.creatorUserId,
      },
      members: r.members,
    }
  }

  // ---- checks -----------------------------------------------------------------

  private mayChat(userId: bigint): void {
    this.mods.check(userId, this.host.context.clock.now())
  }

  private rate(userId: bigint): void {
    const wait = this.limiter.take(userId, this.host.context.clock.now())
    if (wait > 0) throw new ChatRateLimited(this.limiter.perSec, wait)
  }

  private newPush(p: PlayerContext, kind: ChatKind, channel: string, text: string, to: bigint): ChatPush {
    return ChatPush.create({
      channel,
      kind,
      messageId: this.host.context.ids.next(),
      fromUserId: p.userId,
      fromNickname: p.player.nickname,
      text,
      toUserId: to,
      sentAtMs: BigInt(this.host.context.clock.now()),
    })
  }

  // ---- across logic ---------------------------------------------------------

  /** Run a channel request on its owner: here, or one cluster request. */
  private toOwner<Q, R>(
    channel: string,
    req: MessageType<Q>,
    msg: Q,
    res: MessageType<R>,
    local: (m: Q) => R | Promise<R>,
  ): Promise<R> {
    const owner = this.shards.logicOfName(channel)
    if (owner === this.self) return Promise.resolve().then(() => local(msg))
    return this.request(owner, `channel ${channel}`, req, msg, res)
  }

  /** A request to another logic; a chat refusal there reaches the player as is, anything else as CHAT_UNAVAILABLE. */
  private async request<Q, R>(
    logic: number,
    what: string,
    req: MessageType<Q>,
    msg: Q,
    res: MessageType<R>,
  ): Promise<R> {
    try {
      return await this.host.context.proxy.request(logic, req, msg, res, { timeoutMs: 3000 })
    } catch (err) {
      const e = toTesseraError(err)
      if (isClientVisible(e.code)) throw e
      throw ChatUnavailable.with({ cause: err }, what, `logic#${logic}: ${e.code}`)
    }
  }

  /**
   * A private message to its receiver's home logic. While the receiver's
   * shard moves, the old owner refuses it (LOGIC_SHARD_MOVED, nothing kept
   * there): wait for the next shard table and ask the owner it names, so the
   * message lands exactly once — pushed or stored where the player lives.
   * `stop`: the sender's own session is moving (its hand-off waits for this
   * handler), give up at once.
   */
  private async sendDirect(m: ChatDirect, stop: AbortSignal): Promise<ChatDirectOk> {
    const to = m.toUserId
    const map = this.shards
    const clock = this.host.context.clock
    const deadline = clock.now() + DIRECT_MOVE_WAIT_MS
    // Bounded: each round waits for a table (or up to 1 s) and the deadline ends them.
    for (let round = 0; round < 50; round++) {
      if (map.isMoving(to)) await untilOrStop(map.whenServing(to, Math.max(0, deadline - clock.now())), stop)
      const version = map.version
      const homeOf = map.logicOf(to)
      try {
        if (homeOf === this.self) return await this.direct(m)
        return await this.host.context.proxy.request(homeOf, ChatDirect, m, ChatDirectOk, { timeoutMs: 3000 })
      } catch (err) {
        const e = toTesseraError(err)
        if (isClientVisible(e.code)) throw e
        if (e.code !== LogicShardMoved.code)
          throw ChatUnavailable.with({ cause: err }, `private to ${to}`, `logic#${homeOf}: ${e.code}`)
        if (stop.aborted || clock.now() >= deadline) break
        // Its table or ours is behind: wait for a newer one here (or a moment), then ask again.
        await untilOrStop(map.whenNewer(version, Math.min(1000, Math.max(0, deadline - clock.now()))), stop)
      }
    }
    throw new ChatUnavailable(`private to ${to}`, 'the player is moving to another logic process')
  }

  /** A private message for a player of this logic (refused while its shard moves: SessionHome.serveShard). */
  private direct(m: ChatDirect): Promise<ChatDirectOk> {
    return this.home.serveShard(m.toUserId, () => this.mailbox.direct(m, this.mods.banned(m.toUserId)))
  }

  private fromLogic<Q, R>(link: Link, m: Q, fn: (m: Q) => R | Promise<R>): R | Promise<R> {
    if (link.peer.kind !== 'logic') throw new ChatBadPeer(`${link.peer.kind}#${link.peer.serviceId}`, 'chat')
    return fn(m)
  }

  private sendRelay(logic: number, r: ChatRelay): void {
    try {
      this.host.context.proxy.notify(logic, ChatRelay, r)
    } catch (err) {
      // A logic that is not in the cluster holds no players to deliver to.
      this.undeliveredRelays++
      this.host.context.logger.debug({ err, logic }, 'chat relay not sent')
    }
  }

  /** Push a relayed line to players of this logic: one ToClient per gateway link (SessionHome.broadcast). */
  private deliver(r: ChatRelay): void {
    const push = ChatPush.decode(r.push)
    if (r.seq > 0) this.delivered(push.channel, r.seq)
    const users = r.everyone ? [...this.home.online()] : r.userIds
    const n = this.home.broadcast(
      users.filter((u) => !this.mods.banned(u)),
      ChatPush,
      push,
    )
    this.deliveries?.inc(n)
  }

  /** The player's session ended: it leaves its named channels. */
  /** A session ended here for good: out of its channels; unacknowledged private lines back to the mailbox. */
  private async ended(p: PlayerContext): Promise<void> {
    try {
      const kept = await this.mailbox.keepUnacknowledged(p)
      if (kept > 0)
        this.host.context.logger.debug(
          { userId: String(p.userId), kept },
          'chat: unacknowledged private lines kept as mail',
        )
    } catch (err) {
      this.host.context.logger.error(
        { err, userId: String(p.userId) },
        'chat: unacknowledged private lines could not be kept as mail',
      )
    }
    await this.left(p.userId)
  }

  private async left(userId: bigint): Promise<void> {
    this.limiter.forget(userId)
    const mine = this.channelsOf.get(userId)
    this.channelsOf.delete(userId)
    if (mine === undefined) return
    await Promise.allSettled(
      [...mine].map((channel) =>
        this.toOwner(channel, ChatChannelLeave, { channel, userId }, ChatChannelLeaveOk, (x) =>
          this.owner.leave(x),
        ),
      ),
    )
  }

  /**
   * The player's session moves to another logic (a shard hand-off): its
   * channel memberships move with it (the new owner's `joined` hook points
   * them there, see {@link arrived}); nobody sees it leave. If the move
   * fails, the table gives the shard back here and the session is lost:
   * then it leaves them as a logout would.
   */
  private movingOut(p: PlayerContext): void {
    const uid = p.userId
    this.limiter.forget(uid)
    const mine = [...(this.channelsOf.get(uid) ?? [])]
    this.channelsOf.delete(uid)
    if (mine.length === 0) return
    p.session.carried.set(CARRIED_CHANNELS, new TextEncoder().encode(JSON.stringify(mine)))
    void this.leaveIfGivenBack(uid, mine)
  }

  private async leaveIfGivenBack(uid: bigint, channels: string[]): Promise<void> {
    const map = this.shards
    const waitMs = this.host.context.config.logic.shardMoveStepMs * 2
    // Bounded: the move ends (a newer table) within the center's wait, or we stop looking.
    for (let i = 0; i < 10 && this.home.handedOff(uid); i++)
      if (!(await map.whenNewer(map.version, waitMs))) return
    if (map.isMoving(uid) || map.logicOf(uid) !== this.self || this.channelsOf.has(uid)) return
    this.channelsOf.set(uid, new Set(channels))
    await this.left(uid)
  }

  /**
   * The moving session's image is taken now: note the last line of each of
   * its channels that reached it (what this logic delivered so far). Lines
   * relayed here from now on miss it; the new logic replays them.
   */
  private imaging(p: PlayerContext): void {
    const last: Record<string, number> = {}
    for (const ch of this.channelsOf.get(p.userId) ?? []) last[ch] = this.lastSeq.get(ch) ?? 0
    p.session.carried.set(CARRIED_LAST_LINES, new TextEncoder().encode(JSON.stringify(last)))
  }

  /** A session moved here with its channels: each channel's owner now relays the player's lines here. */
  private async arrived(p: PlayerContext): Promise<void> {
    const raw = p.session.carried.get(CARRIED_CHANNELS)
    if (raw === undefined) return
    p.session.carried.delete(CARRIED_CHANNELS)
    const rawLast = p.session.carried.get(CARRIED_LAST_LINES)
    p.session.carried.delete(CARRIED_LAST_LINES)
    const last: Record<string, number> =
      rawLast === undefined ? {} : JSON.parse(new TextDecoder().decode(rawLast))
    const channels = JSON.parse(new TextDecoder().decode(raw)) as string[]
    const mine = new Set<string>()
    for (const channel of channels) {
      const m: ChatChannelJoin = {
        channel,
        userId: p.userId,
        nickname: p.player.nickname,
        logicServiceId: this.self,
        create: false,
        maxMembers: 0,
      }
      try {
        // Joining again only changes where the member lives (ChannelBook.join).
        const r = await this.toOwner(channel, ChatChannelJoin, m, ChatChannelJoinOk, (x) =>
          this.owner.join(x),
        )
        mine.add(channel)
        this.delivered(channel, r.lastSeq)
        // Not carried (an older logic's image): replay nothing rather than lines it had.
        this.replayMissed(p, r.history, r.lastSeq, last[channel] ?? r.lastSeq)
      } catch (err) {
        this.host.context.logger.warn(
          { err, userId: String(p.userId), channel },
          'chat: a moved player kept no membership of a channel',
        )
      }
    }
    if (mine.size > 0) this.channelsOf.set(p.userId, mine)
  }

  /**
   * Push the channel's history lines the moving player has not had: those
   * numbered after `had`, the last line its old logic delivered before the
   * image. History entries are the channel's newest lines, ending with
   * `lastSeq`. Beyond `chat.historySize` lines sent during the move, the
   * older ones are gone for it.
   */
  private replayMissed(p: PlayerContext, history: Uint8Array[], lastSeq: number, had: number): void {
    const first = lastSeq - history.length + 1
    let n = 0
    history.forEach((b, i) => {
      if (first + i > had) {
        p.push(ChatPush, ChatPush.decode(b))
        n++
      }
    })
    if (n > 0) this.deliveries?.inc(n)
  }

  /** This logic's members have had line `seq` of `channel` (numbers only grow). */
  private delivered(channel: string, seq: number): void {
    if (seq > (this.lastSeq.get(channel) ?? 0)) this.lastSeq.set(channel, seq)
  }

  // ---- from the center ----------------------------------------------------------

  /** Mute, ban or lift: only the player's home logic keeps and enforces it. */
  private async moderate(m: ChatModerate): Promise<void> {
    const uid = m.userId
    if (this.shards.logicOf(uid) !== this.self) return
    const mod = this.mods.apply(m)
    this.host.context.logger.info(
      { userId: String(uid), mutedUntilMs: mod.mutedUntilMs, banned: mod.banned, reason: mod.reason },
      'chat moderation',
    )
    this.home.push(uid, ChatModeration, {
      mutedUntilMs: BigInt(mod.mutedUntilMs),
      banned: mod.banned,
      reason: mod.reason,
    })
    try {
      await this.store.putModeration(uid, mod, this.host.context.clock.now())
    } catch (err) {
      this.host.context.logger.error({ err, userId: String(uid) }, 'chat moderation not persisted')
    }
    if (mod.banned) await this.left(uid)
  }

  private notice(m: ChatNotice): void {
    const push = ChatPush.create({ kind: ChatKind.CHAT_KIND_SYSTEM, text: m.text, sentAtMs: m.sentAtMs })
    this.deliver({ push: ChatPush.encode(push), userIds: [], everyone: true, seq: 0 })
  }
}

/** Type id of the chat feature (logic block). */
export const CHAT_FEATURE_ID = 20_020

// @component logic sort=30
export const chatFeature: ComponentFactory<ChatFeature, ServiceContext<LogicConfig>> = {
  typeId: CHAT_FEATURE_ID,
  name: 'chat',
  dependsOn: [SESSION_HOME_ID, STORAGE_COMPONENT_ID],
  create: (host) => new ChatFeature(host),
}

/** `wait`, or as soon as `stop` aborts (the result no longer matters then). */
function untilOrStop(wait: Promise<boolean>, stop: AbortSignal): Promise<unknown> {
  if (stop.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      stop.removeEventListener('abort', done)
      resolve(undefined)
    }
    stop.addEventListener('abort', done)
    void wait.then(done)
  })
}
