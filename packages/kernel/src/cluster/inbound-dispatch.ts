import type { MessageType } from '@tessera/wire'
import { TesseraError, toTesseraError } from '../errors/index.js'
import {
  decodeMinimalReason,
  FrameFlag,
  type InboundFrame,
  type NetLogger,
  textControlCodec,
} from '../net/index.js'
import type { Scheduler } from '../timer/index.js'
import { ClusterBadBody, ClusterNoHandler } from './errors.js'
import type { Link } from './transport.js'

interface Handler {
  type: MessageType<unknown>
  res: MessageType<unknown> | null
  fn: (msg: unknown, link: Link) => unknown
}

/**
 * The receiving half of a ServiceProxy: the handler table, dispatch of
 * requests and notifications, replies (a thrown error goes back with its
 * code as `code\nmessage`), and the count of requests being handled that a
 * graceful stop drains.
 */
export class InboundDispatch {
  private readonly handlers = new Map<number, Handler>()
  private inflight = 0
  private idleWaiters: (() => void)[] = []

  constructor(
    private readonly logger: NetLogger,
    private readonly timers: Scheduler,
  ) {}

  /** Register the handler of one message type; `res` null for notifications. */
  add(type: MessageType<unknown>, res: MessageType<unknown> | null, fn: Handler['fn']): void {
    if (this.handlers.has(type.msgId))
      throw new Error(`cluster: ${type.name} (${type.msgId}) already has a handler`)
    this.handlers.set(type.msgId, { type, res, fn })
  }

  /** Inbound requests whose handler has not answered yet. */
  get inflightRequests(): number {
    return this.inflight
  }

  /** Resolves true once no request is being handled, false if `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const done = () => {
        this.timers.cancel(timer)
        resolve(true)
      }
      const timer = this.timers.after(timeoutMs, () => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done)
        resolve(false)
      })
      this.idleWaiters.push(done)
    })
  }

  /** Dispatch a request (reqId ≠ 0) or notification frame that arrived on `link`. */
  dispatch(link: Link, frame: InboundFrame): void {
    const h = this.handlers.get(frame.msgId)
    if (h === undefined && frame.msgId === textControlCodec.kickId && frame.reqId === 0) {
      // The peer closes the link and says why (its idle deadline, its shutdown): the link-down line follows.
      const { code, message } = decodeMinimalReason(frame.body)
      this.logger.info({ peer: link.peer, reason: code, message }, 'cluster: the peer closes the link')
      return
    }
    if (h === undefined) {
      const err = new ClusterNoHandler(frame.msgId)
      if (frame.reqId !== 0) this.replyError(link, frame, err)
      else
        this.logger.warn({ peer: link.peer, msgId: frame.msgId }, 'cluster: notification without a handler')
      return
    }
    let msg: unknown
    try {
      // In place: no view of the body, no copy (bytes fields excepted).
      msg = frame.decode(h.type)
    } catch (err) {
      const e = ClusterBadBody.with({ cause: err }, h.type.name, (err as Error).message)
      if (frame.reqId !== 0) this.replyError(link, frame, e)
      else this.logger.warn({ peer: link.peer, err: e }, 'cluster: bad notification body')
      return
    }
    if (h.res === null || frame.reqId === 0) {
      try {
        h.fn(msg, link)
      } catch (err) {
        this.logger.error(
          { peer: link.peer, msgId: frame.msgId, err },
          'cluster: notification handler failed',
        )
      }
      return
    }
    const res = h.res
    const req = { msgId: frame.msgId, reqId: frame.reqId }
    let out: unknown
    try {
      out = h.fn(msg, link)
    } catch (err) {
      this.replyError(link, req, err)
      return
    }
    if (!(out instanceof Promise)) {
      this.reply(link, res, req.reqId, out)
      return
    }
    this.inflight++
    out
      .then(
        (v) => this.reply(link, res, req.reqId, v),
        (err: unknown) => this.replyError(link, req, err),
      )
      .finally(() => {
        if (--this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w()
      })
  }

  private reply(link: Link, res: MessageType<unknown>, reqId: number, v: unknown): void {
    try {
      // Encoded straight into the outbound frame; a throw has sent nothing.
      link.sendMessage(FrameFlag.RESPONSE, res.msgId, reqId, res, v)
    } catch (err) {
      this.replyError(link, { msgId: res.msgId, reqId }, err)
    }
  }

  private replyError(link: Link, req: { msgId: number; reqId: number }, err: unknown): void {
    const e = toTesseraError(err)
    if (!(err instanceof TesseraError))
      this.logger.error({ peer: link.peer, msgId: req.msgId, err }, 'cluster: request handler failed')
    link.send(
      FrameFlag.RESPONSE | FrameFlag.ERROR,
      req.msgId,
      req.reqId,
      Buffer.from(`${e.code}\n${e.message}`, 'utf8'),
    )
  }
}
