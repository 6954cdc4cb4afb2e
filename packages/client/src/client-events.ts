import type { MessageType } from '@tessera/protocol/client'
import type { TesseraClientError } from './errors.js'

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ClientEvents {
  /** A session was established (`resumed` false) or resumed after a drop (`resumed` true). */
  open: { sessionId: string; resumed: boolean }
  /** The socket dropped; the client is reconnecting. */
  disconnect: { reason: string }
  /** The server had forgotten the session: requests in flight failed, pushes sent meanwhile are lost. */
  sessionLost: { error: TesseraClientError }
  /**
   * The server ended the session with a Kick (`reason` is a KickReason;
   * KICK_REPLACED: the account logged in elsewhere). `close` follows.
   */
  kicked: { reason: number; message: string; replaced: boolean }
  /**
   * A game push arrived (any message type, with or without an onPush
   * handler), in sequence: what a client counts to check that nothing was
   * lost or doubled across a resume.
   */
  push: { msgId: number }
  /** The client stopped for good (closed by the app, kicked, refused, or reconnect gave up). */
  close: { error: TesseraClientError | null }
}

export interface RequestOptions<Res> {
  /** Overrides the client's default timeout. */
  timeoutMs?: number
  /** Expected response type (typing, and checked against the response header's msg id). Default: whatever the server answers. */
  response?: MessageType<Res>
}

type Listener<T> = (ev: T) => void

/** A tiny typed event emitter (no Node EventEmitter in browsers). */
export class Emitter<E extends object> {
  private readonly sets = new Map<keyof E, Set<Listener<never>>>()

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this.sets.get(event)
    if (!set) {
      set = new Set()
      this.sets.set(event, set)
    }
    set.add(fn as Listener<never>)
    return () => set.delete(fn as Listener<never>)
  }

  emit<K extends keyof E>(event: K, ev: E[K]): void {
    const set = this.sets.get(event)
    if (set) for (const fn of set) (fn as Listener<E[K]>)(ev)
  }
}
