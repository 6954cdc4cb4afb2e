import { type ChatDirect, type ChatDirectOk, ChatKind, ChatPush } from '@tessera/protocol'
import type { PlayerContext, SessionHome } from '../../session/index.js'
import { ChatTargetUnavailable } from './chat-errors.js'
import type { ChatStore } from './chat-store.js'

/**
 * Private messages on the receiver's home logic: pushed at once to a player
 * with a session here, else kept in `chat_mail` and delivered by the
 * `joined` hook at the player's next login, exactly once.
 */
export class Mailbox {
  constructor(
    private readonly o: {
      home: SessionHome
      store: () => ChatStore
      maxPerPlayer: number
      now: () => number
      /** Pushes handed to players (metrics). */
      delivered: (n: number) => void
    },
  ) {}

  /** A private message for a player of this logic (`banned`: refuse it). */
  async direct(m: ChatDirect, banned: boolean): Promise<ChatDirectOk> {
    const to = m.toUserId
    if (banned) throw new ChatTargetUnavailable(String(to), 'banned from chat')
    const { home } = this.o
    if (home.push(to, ChatPush, ChatPush.decode(m.push))) {
      this.o.delivered(1)
      return { stored: false }
    }
    const store = this.o.store()
    if (!(await store.playerExists(to))) throw new ChatTargetUnavailable(String(to), 'no such player')
    if ((await store.mailCount(to)) >= this.o.maxPerPlayer)
      throw new ChatTargetUnavailable(String(to), 'mailbox full')
    await store.putMail(to, m.messageId, m.push, this.o.now())
    // The player may have logged in while the row was written: deliver in
    // its queue (after the login's own delivery, so never twice).
    if (home.sessionOf(to) !== undefined) void home.withPlayer(to, (p) => this.deliver(p))
    return { stored: true }
  }

  /**
   * Deliver stored mail (joined hook, in the player's queue): push each, then
   * delete what was pushed. A crash between the two delivers those lines
   * again at the next login (same message ids); nothing is lost.
   */
  async deliver(p: PlayerContext): Promise<void> {
    const store = this.o.store()
    const mail = await store.mailOf(p.userId)
    if (mail.length === 0) return
    for (const m of mail) {
      const push = ChatPush.decode(m.push)
      push.stored = true
      p.push(ChatPush, push)
    }
    this.o.delivered(mail.length)
    await store.deleteMail(
      p.userId,
      mail.map((m) => m.id),
    )
  }

  /**
   * The session ended for good (left hook, not a move): private messages it
   * never acknowledged go back to the mailbox, delivered at the next login.
   * A player who dropped and logged in afresh, instead of resuming, would
   * otherwise lose what was pushed during the resume grace (and stored mail
   * delivered at login but not yet received). Same message ids (INSERT
   * IGNORE): a line the client got but had not acknowledged yet comes again
   * with its id, never a different one; no cap, these were accepted already.
   */
  async keepUnacknowledged(p: PlayerContext): Promise<number> {
    const mail: { id: bigint; body: Uint8Array }[] = []
    for (const m of p.session.unacknowledged) {
      if (m.msgId !== ChatPush.msgId) continue
      const push = ChatPush.decode(m.body)
      if (push.kind === ChatKind.CHAT_KIND_PRIVATE) mail.push({ id: push.messageId, body: m.body })
    }
    if (mail.length === 0) return 0
    const store = this.o.store()
    const now = this.o.now()
    for (const m of mail) await store.putMail(p.userId, m.id, m.body, now)
    // A fresh login that replaced this session may have read the mailbox
    // already: deliver in its queue too (after its own delivery, never twice).
    const next = this.o.home.sessionOf(p.userId)
    if (next !== undefined && next !== p.session)
      void this.o.home.withPlayer(p.userId, (q) => this.deliver(q))
    return mail.length
  }
}
