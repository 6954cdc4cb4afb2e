import { NetDuplicateHandler, NetUnknownMessage } from './errors.js'
import type { InboundFrame } from './frame-header.js'
import type { Session, SessionHandler } from './session.js'

export type MessageHandlerFn = (session: Session, frame: InboundFrame) => void | Promise<void>

/**
 * Routes inbound frames to handlers by message id. An id with no handler
 * throws NET_UNKNOWN_MESSAGE, which the session turns into an error reply
 * and a count (and closes the session past `maxBadMessages`).
 */
export class Dispatcher implements SessionHandler {
  private readonly handlers = new Map<number, MessageHandlerFn>()

  constructor(private readonly hooks: Pick<SessionHandler, 'onOpen' | 'onClose'> = {}) {}

  on(msgId: number, fn: MessageHandlerFn): this {
    if (this.handlers.has(msgId)) throw new NetDuplicateHandler(msgId)
    this.handlers.set(msgId, fn)
    return this
  }

  onOpen(session: Session): void {
    this.hooks.onOpen?.(session)
  }

  onMessage(session: Session, frame: InboundFrame): void | Promise<void> {
    const fn = this.handlers.get(frame.msgId)
    if (fn === undefined) throw new NetUnknownMessage(frame.msgId)
    return fn(session, frame)
  }

  onClose(session: Session, reason: Parameters<NonNullable<SessionHandler['onClose']>>[1]): void {
    this.hooks.onClose?.(session, reason)
  }
}
