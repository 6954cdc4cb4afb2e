import type { ChatModerate } from '@tessera/protocol'
import { ChatBanned, ChatMuted } from './chat-errors.js'
import type { Moderation } from './chat-store.js'

/**
 * Mutes and bans of this logic's own players (the home logic enforces them:
 * every line a player sends starts here). Loaded from `chat_moderation` at
 * start, changed by the center's ChatModerate.
 */
export class Moderations {
  private map = new Map<bigint, Moderation>()

  replaceAll(m: Map<bigint, Moderation>): void {
    this.map = m
  }

  banned(userId: bigint): boolean {
    return this.map.get(userId)?.banned === true
  }

  /** Throws CHAT_BANNED or CHAT_MUTED when the player may not send now. */
  check(userId: bigint, nowMs: number): void {
    const m = this.map.get(userId)
    if (m === undefined) return
    if (m.banned) throw new ChatBanned()
    if (m.mutedUntilMs > nowMs) throw new ChatMuted(new Date(m.mutedUntilMs).toISOString())
  }

  /** Apply an operator's action; an unset field keeps its value (a mute does not lift a ban). */
  apply(m: ChatModerate): Moderation {
    const was = this.map.get(m.userId)
    const mod: Moderation = {
      mutedUntilMs: m.mutedUntilMs === undefined ? (was?.mutedUntilMs ?? 0) : Number(m.mutedUntilMs),
      banned: m.banned ?? was?.banned ?? false,
      reason: m.reason,
    }
    if (!mod.banned && mod.mutedUntilMs === 0) this.map.delete(m.userId)
    else this.map.set(m.userId, mod)
    return mod
  }
}
