import { ChatChannelExists, ChatChannelFull, ChatNoChannel, ChatNotMember } from './chat-errors.js'

export interface Member {
  nickname: string
  /** The logic service holding the player: relays for it go there. */
  logic: number
}

/** One named channel on its owner logic. */
export class Channel {
  readonly members = new Map<bigint, Member>()
  /** Members per logic service: one relay per entry per line. */
  readonly byLogic = new Map<number, Set<bigint>>()
  /** Encoded ChatPush lines, oldest first, at most `historySize`. */
  readonly history: Uint8Array[] = []

  constructor(
    readonly name: string,
    readonly creator: bigint,
    readonly maxMembers: number,
  ) {}

  add(userId: bigint, m: Member): void {
    this.remove(userId)
    this.members.set(userId, m)
    let set = this.byLogic.get(m.logic)
    if (set === undefined) {
      set = new Set()
      this.byLogic.set(m.logic, set)
    }
    set.add(userId)
  }

  remove(userId: bigint): boolean {
    const m = this.members.get(userId)
    if (m === undefined) return false
    this.members.delete(userId)
    const set = this.byLogic.get(m.logic)
    set?.delete(userId)
    if (set?.size === 0) this.byLogic.delete(m.logic)
    return true
  }
}

/**
 * The channels this logic owns (a name's owner is fixed by the shard map):
 * membership, member cap and recent history. A channel exists from its
 * creation until its last member leaves. The world channel is not here: it
 * has no member list (every online player), only history (`worldHistory`).
 */
export class ChannelBook {
  private readonly channels = new Map<string, Channel>()
  readonly worldHistory: Uint8Array[] = []

  constructor(private readonly historySize: number) {}

  get size(): number {
    return this.channels.size
  }

  get(name: string): Channel | undefined {
    return this.channels.get(name)
  }

  /** Join (creating first when `create`); joining again only updates where the member lives. */
  join(name: string, userId: bigint, member: Member, create: { maxMembers: number } | null): Channel {
    let ch = this.channels.get(name)
    if (create !== null) {
      if (ch !== undefined) throw new ChatChannelExists(name)
      ch = new Channel(name, userId, create.maxMembers)
      this.channels.set(name, ch)
    }
    if (ch === undefined) throw new ChatNoChannel(name)
    if (!ch.members.has(userId) && ch.members.size >= ch.maxMembers)
      throw new ChatChannelFull(name, ch.maxMembers)
    ch.add(userId, member)
    return ch
  }

  /** Leave; the channel goes when its last member does. Returns the members left. */
  leave(name: string, userId: bigint): number {
    const ch = this.channels.get(name)
    if (ch === undefined) throw new ChatNoChannel(name)
    if (!ch.remove(userId)) throw new ChatNotMember(name)
    if (ch.members.size === 0) this.channels.delete(name)
    return ch.members.size
  }

  /** A member's line: kept in the history; the caller relays it to `ch.byLogic`. */
  line(name: string, from: bigint, push: Uint8Array): Channel {
    const ch = this.channels.get(name)
    if (ch === undefined) throw new ChatNoChannel(name)
    if (!ch.members.has(from)) throw new ChatNotMember(name)
    this.remember(ch.history, push)
    return ch
  }

  worldLine(push: Uint8Array): void {
    this.remember(this.worldHistory, push)
  }

  /**
   * A logic service left the cluster: its players are offline, so no longer
   * members. `removed` hears each channel's removed users and whether the
   * channel went with them.
   */
  dropLogic(logic: number, removed?: (channel: string, users: bigint[], gone: boolean) => void): number {
    let n = 0
    for (const ch of [...this.channels.values()]) {
      const users = ch.byLogic.get(logic)
      if (users === undefined) continue
      const out = [...users].filter((u) => ch.remove(u))
      n += out.length
      const gone = ch.members.size === 0
      if (gone) this.channels.delete(ch.name)
      removed?.(ch.name, out, gone)
    }
    return n
  }

  /** Put a stored channel back (the owner's start), history included. */
  restore(
    name: string,
    creator: bigint,
    maxMembers: number,
    members: Iterable<[bigint, Member]>,
    history: Uint8Array[],
  ): Channel {
    const ch = new Channel(name, creator, maxMembers)
    for (const [u, m] of members) ch.add(u, m)
    for (const h of history) this.remember(ch.history, h)
    this.channels.set(name, ch)
    return ch
  }

  /** Put the stored world history back. */
  restoreWorld(history: Uint8Array[]): void {
    this.worldHistory.length = 0
    for (const h of history) this.remember(this.worldHistory, h)
  }

  clear(): void {
    this.channels.clear()
    this.worldHistory.length = 0
  }

  private remember(h: Uint8Array[], push: Uint8Array): void {
    if (this.historySize === 0) return
    // Decoded `bytes` fields are copies, never views of a socket read.
    h.push(push)
    if (h.length > this.historySize) h.splice(0, h.length - this.historySize)
  }
}
