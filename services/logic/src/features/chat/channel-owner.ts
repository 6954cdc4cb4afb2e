import type {
  ChatChannelJoin,
  ChatChannelJoinOk,
  ChatChannelLeave,
  ChatChannelLeaveOk,
  ChatChannelLine,
  ChatChannelLineOk,
  ChatChannelMembers,
  ChatChannelMembersOk,
  ChatRelay,
} from '@tessera/protocol'
import { ChannelBook, type Member } from './channel-book.js'
import type { ChannelStore, StoredChannel } from './channel-store.js'
import { ChatNotMember } from './chat-errors.js'
import { WORLD } from './chat-text.js'

export interface OwnerDeps {
  /** This logic's service id. */
  self: number
  /** Every logic service id (world lines go to each). */
  slots(): readonly number[]
  /** Deliver a relay to players of this logic. */
  local(relay: ChatRelay): void
  /** Send a relay to another logic (one cluster message). */
  remote(logic: number, relay: ChatRelay): void
  /** A channel write failed (the change holds in memory only until a restart). */
  writeFailed?(err: unknown): void
}

/**
 * The owner side of chat channels: this logic holds the channels whose name
 * hashes to it. A line becomes one ChatRelay per logic that has members
 * (carrying that logic's member ids), and each logic turns it into one
 * ToClient per gateway link: cluster messages per line = logics with
 * members + gateway links per logic, never one per member.
 */
export class ChannelOwner {
  readonly book: ChannelBook
  relaysSent = 0
  private store: ChannelStore | undefined
  /** Channel writes one at a time, in the order of the changes. */
  private lane: Promise<void> = Promise.resolve()
  /** Number of each channel's newest line (the world's too). */
  private readonly seqs = new Map<string, number>()

  constructor(
    private readonly historySize: number,
    private readonly d: OwnerDeps,
  ) {
    this.book = new ChannelBook(historySize)
  }

  /**
   * Keep channels in `store` from now on, after putting back what it holds:
   * definitions, members, history. Members whose home is this logic are
   * dropped (their sessions ended with the process that held them).
   */
  async attach(store: ChannelStore): Promise<number> {
    const { channels, world } = await store.load(WORLD, this.historySize)
    this.store = store
    this.book.restoreWorld(world.history)
    this.seqs.set(WORLD, world.lastSeq)
    for (const c of channels) {
      const live = c.members.filter((m) => m.member.logic !== this.d.self)
      const dead = c.members.filter((m) => m.member.logic === this.d.self).map((m) => m.userId)
      this.seqs.set(c.name, c.lastSeq)
      if (live.length === 0) {
        await store.removed(c.name)
        continue
      }
      this.book.restore(c.name, c.creator, c.maxMembers, toEntries(live), c.history)
      await store.left(c.name, dead)
    }
    return this.book.size
  }

  /** Run a channel write after the ones before it; resolves when it is in the database. */
  private write(fn: (s: ChannelStore) => Promise<void>): Promise<void> {
    const s = this.store
    if (s === undefined) return Promise.resolve()
    const p = this.lane.then(() => fn(s))
    this.lane = p.catch((err: unknown) => this.d.writeFailed?.(err))
    return p
  }

  private nextSeq(name: string): number {
    const n = (this.seqs.get(name) ?? 0) + 1
    this.seqs.set(name, n)
    return n
  }

  /** A line is relayed at once and answered once it is in the history table. */
  async line(m: ChatChannelLine): Promise<ChatChannelLineOk> {
    if (m.channel === WORLD) {
      this.book.worldLine(m.push)
      for (const logic of this.d.slots())
        this.relay(logic, { push: m.push, userIds: [], everyone: true, seq: 0 })
      await this.keepLine(WORLD, m.push)
      return { members: 0 }
    }
    const ch = this.book.line(m.channel, m.fromUserId, m.push)
    // Numbered before it is relayed: a logic tracks the last number it delivered.
    const seq = this.historySize === 0 ? 0 : this.nextSeq(m.channel)
    for (const [logic, users] of ch.byLogic)
      this.relay(logic, { push: m.push, userIds: [...users], everyone: false, seq })
    await this.keepLine(m.channel, m.push, seq)
    return { members: ch.members.size }
  }

  private keepLine(name: string, push: Uint8Array, numbered?: number): Promise<void> {
    if (this.historySize === 0) return Promise.resolve()
    const seq = numbered ?? this.nextSeq(name)
    return this.write((s) => s.line(name, seq, push, this.historySize))
  }

  async join(m: ChatChannelJoin): Promise<ChatChannelJoinOk> {
    if (m.channel === WORLD)
      return {
        members: 0,
        maxMembers: 0,
        creatorUserId: 0n,
        history: [...this.book.worldHistory],
        lastSeq: 0,
      }
    const member = { nickname: m.nickname, logic: m.logicServiceId }
    const ch = this.book.join(m.channel, m.userId, member, m.create ? { maxMembers: m.maxMembers } : null)
    const answer = {
      members: ch.members.size,
      maxMembers: ch.maxMembers,
      creatorUserId: ch.creator,
      history: [...ch.history],
      lastSeq: ch.history.length === 0 ? 0 : (this.seqs.get(ch.name) ?? 0),
    }
    await this.write(async (s) => {
      if (m.create) await s.created(ch.name, ch.creator, ch.maxMembers)
      await s.joined(ch.name, m.userId, member)
    })
    return answer
  }

  async leave(m: ChatChannelLeave): Promise<ChatChannelLeaveOk> {
    const members = this.book.leave(m.channel, m.userId)
    await this.write((s) => (members === 0 ? s.removed(m.channel) : s.left(m.channel, [m.userId])))
    return { members }
  }

  /** A logic left the cluster: its players leave every channel here (and in the database). */
  dropLogic(logic: number): number {
    return this.book.dropLogic(logic, (name, users, gone) => {
      void this.write((s) => (gone ? s.removed(name) : s.left(name, users))).catch(() => {})
    })
  }

  members(m: ChatChannelMembers): ChatChannelMembersOk {
    const ch = this.book.get(m.channel)
    if (ch === undefined || !ch.members.has(m.userId)) throw new ChatNotMember(m.channel)
    return {
      maxMembers: ch.maxMembers,
      creatorUserId: ch.creator,
      members: [...ch.members].map(([userId, x]) => ({ userId, nickname: x.nickname })),
    }
  }

  private relay(logic: number, r: ChatRelay): void {
    this.relaysSent++
    if (logic === this.d.self) this.d.local(r)
    else this.d.remote(logic, r)
  }
}

function toEntries(members: StoredChannel['members']): [bigint, Member][] {
  return members.map((m) => [m.userId, m.member])
}
