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
import { ChannelBook } from './channel-book.js'
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

  constructor(
    historySize: number,
    private readonly d: OwnerDeps,
  ) {
    this.book = new ChannelBook(historySize)
  }

  line(m: ChatChannelLine): ChatChannelLineOk {
    if (m.channel === WORLD) {
      this.book.worldLine(m.push)
      for (const logic of this.d.slots()) this.relay(logic, { push: m.push, userIds: [], everyone: true })
      return { members: 0 }
    }
    const ch = this.book.line(m.channel, m.fromUserId, m.push)
    for (const [logic, users] of ch.byLogic)
      this.relay(logic, { push: m.push, userIds: [...users], everyone: false })
    return { members: ch.members.size }
  }

  join(m: ChatChannelJoin): ChatChannelJoinOk {
    if (m.channel === WORLD)
      return { members: 0, maxMembers: 0, creatorUserId: 0n, history: [...this.book.worldHistory] }
    const ch = this.book.join(
      m.channel,
      m.userId,
      { nickname: m.nickname, logic: m.logicServiceId },
      m.create ? { maxMembers: m.maxMembers } : null,
    )
    return {
      members: ch.members.size,
      maxMembers: ch.maxMembers,
      creatorUserId: ch.creator,
      history: [...ch.history],
    }
  }

  leave(m: ChatChannelLeave): ChatChannelLeaveOk {
    return { members: this.book.leave(m.channel, m.userId) }
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
