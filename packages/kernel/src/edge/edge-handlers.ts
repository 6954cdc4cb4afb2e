import { ErrorReply, FrameFlag, isGameMsgId, type MessageType } from '@tessera/wire'
import { CodecBadBody } from '../codec/index.js'
import { type NetLogger, NetUnknownMessage } from '../net/index.js'
import type { Scheduler } from '../timer/scheduler.js'
import type { EdgeHandlerFn } from './edge-options.js'
import type { EdgeSession } from './edge-session.js'
import { EdgeBadOptions, EdgeHandlerTimeout, EdgeInboundOverflow } from './errors.js'
import { isInternalError, toErrorReply } from './wire-codes.js'

interface Route {
  type: MessageType
  response: MessageType
  fn: EdgeHandlerFn
}

function errorBody(err: unknown): Uint8Array {
  return ErrorReply.encode(toErrorReply(err))
}

/**
 * The game handlers of an edge server and how a session's messages reach
 * them: in order per session, synchronously while nothing is queued, with a
 * bound on the messages waiting and a deadline per handler.
 */
export class EdgeHandlers {
  private readonly routes = new Map<number, Route>()

  constructor(
    private readonly logger: NetLogger,
    private readonly maxInflight: number,
    private readonly timeoutMs: number,
    private readonly timers: Scheduler,
  ) {}

  route<Req, Res = Req>(
    type: MessageType<Req>,
    fn: EdgeHandlerFn<Req, Res>,
    response?: MessageType<Res>,
  ): void {
    if (!isGameMsgId(type.msgId)) throw new EdgeBadOptions(`${type.name} is not a game message`)
    if (this.routes.has(type.msgId)) throw new EdgeBadOptions(`${type.name} already has a handler`)
    this.routes.set(type.msgId, {
      type: type as MessageType,
      response: (response ?? type) as MessageType,
      fn: fn as EdgeHandlerFn,
    })
  }

  /** One game message (opened: decrypted and inflated) for its handler. */
  handle(s: EdgeSession, id: number, reqId: number, bytes: Uint8Array): void {
    const isRequest = reqId !== 0
    const route = this.routes.get(id)
    if (route === undefined) {
      if (isRequest)
        s.enqueue(FrameFlag.RESPONSE | FrameFlag.ERROR, id, reqId, errorBody(new NetUnknownMessage(id)))
      return
    }
    if (s.inflight >= this.maxInflight) {
      if (isRequest)
        s.enqueue(
          FrameFlag.RESPONSE | FrameFlag.ERROR,
          id,
          reqId,
          errorBody(new EdgeInboundOverflow(this.maxInflight)),
        )
      return
    }
    s.inflight++
    if (s.inflight === 1) {
      // Nothing queued: run now. Only a handler that goes async makes the
      // session's next messages wait (and a synchronous answer leaves with
      // the other replies to the same socket read).
      const p = this.dispatch(s, route, bytes, reqId)
      if (p !== undefined) s.chain = p
    } else s.chain = s.chain.then(() => this.dispatch(s, route, bytes, reqId))
  }

  /**
   * Decode one message and run its handler. Returns a promise only when the
   * handler went async; it settles when the answer is sent, or when the
   * handler timed out (the session then moves on; the late result is dropped).
   */
  private dispatch(
    s: EdgeSession,
    route: Route,
    bytes: Uint8Array,
    reqId: number,
  ): Promise<void> | undefined {
    let res: unknown
    try {
      let msg: unknown
      try {
        msg = route.type.decode(bytes)
      } catch (err) {
        throw new CodecBadBody(route.type.name, route.type.msgId, (err as Error).message)
      }
      res = route.fn(msg, { session: s, reqId })
    } catch (err) {
      this.failed(s, route, reqId, err)
      s.inflight--
      return undefined
    }
    // Any thenable counts as async, as `await` would treat it.
    if (typeof (res as PromiseLike<unknown> | null | undefined)?.then !== 'function') {
      this.answer(s, route, reqId, res)
      s.inflight--
      return undefined
    }
    return new Promise<void>((done) => {
      let settled = false
      const finish = (): boolean => {
        if (settled) return false
        settled = true
        if (timer !== null) this.timers.cancel(timer)
        s.inflight--
        done()
        return true
      }
      const ms = this.timeoutMs
      const timer =
        ms > 0
          ? this.timers.after(ms, () => {
              if (!finish()) return
              const e = new EdgeHandlerTimeout(route.type.name, ms)
              this.logger.warn({ session: s.id, msgId: route.type.msgId, timeoutMs: ms }, e.message)
              if (reqId !== 0)
                s.enqueue(FrameFlag.RESPONSE | FrameFlag.ERROR, route.type.msgId, reqId, errorBody(e))
            })
          : null
      ;(res as PromiseLike<unknown>).then(
        (v: unknown) => {
          if (finish()) this.answer(s, route, reqId, v)
          else this.late(s, route, null)
        },
        (err: unknown) => {
          if (finish()) this.failed(s, route, reqId, err)
          else this.late(s, route, err)
        },
      )
    })
  }

  /** Send a handler's result. The response frame carries the response message's id; an error keeps the request's. */
  private answer(s: EdgeSession, route: Route, reqId: number, res: unknown): void {
    if (reqId === 0) return
    let body: Uint8Array
    try {
      body = route.response.encode(res)
    } catch (err) {
      this.failed(s, route, reqId, err)
      return
    }
    s.enqueue(FrameFlag.RESPONSE, route.response.msgId, reqId, body)
  }

  private failed(s: EdgeSession, route: Route, reqId: number, err: unknown): void {
    // The client learns only what the error policy lets out; the detail is here.
    if (isInternalError(err))
      this.logger.error({ session: s.id, msgId: route.type.msgId, err }, 'edge handler failed')
    if (reqId !== 0) s.enqueue(FrameFlag.RESPONSE | FrameFlag.ERROR, route.type.msgId, reqId, errorBody(err))
  }

  /** A handler that had timed out finished after all: its result goes nowhere. */
  private late(s: EdgeSession, route: Route, err: unknown): void {
    this.logger.warn(
      { session: s.id, msgId: route.type.msgId, err: err ?? undefined },
      'edge handler finished after its timeout; result dropped',
    )
  }
}
