import {
  EdgeBadToken,
  type EdgeServer,
  type EdgeSession,
  normalizeIp,
  type VerifyToken,
} from '@tessera/kernel'
import { toClientError } from '../client-error.js'
import type { LoginService } from '../login-service.js'
import { AccountLoginRes, AccountLogout, LoginQueueLeave, LoginQueueStatus } from '../wire.js'
import type { LoginOp } from './login-ops.js'
import type { OpCounter } from './op-counter.js'
import type { SocketQueue } from './socket-queue.js'

/**
 * Clients reach login before they have any token: the handshake must carry
 * an empty one. (The login socket is anonymous; every operation carries its
 * own credentials, as over HTTP.)
 */
export const anonymousOnly: VerifyToken = async (token) => {
  if (token !== '') throw new EdgeBadToken('the login service takes no token: connect with an empty one')
  return { userId: 0n }
}

/**
 * The socket path: each op of the table becomes an edge route with the same
 * handler as its HTTP twin. A login answered with a queue place (and a poll
 * of it) registers the session for position pushes; logout and leave end
 * them.
 */
export function routeLoginOps(
  edge: EdgeServer,
  o: {
    ops: readonly LoginOp[]
    service: () => LoginService
    queue: SocketQueue
    counter: OpCounter
    logger: { error(x: object, m?: string): void }
  },
): void {
  for (const op of o.ops) {
    edge.route(
      op.request,
      async (msg: unknown, { session }: { session: EdgeSession }) => {
        const t0 = performance.now()
        let code = 'OK'
        try {
          const ip = normalizeIp(session.net?.remoteIp ?? '')
          const res = await op.run(o.service(), msg, { ip })
          follow(o.queue, session, op, res)
          return res
        } catch (err) {
          const e = toClientError(err, o.logger, op.name)
          code = e.code
          throw e
        } finally {
          o.counter.done('socket', op.name, code, performance.now() - t0)
        }
      },
      op.response,
    )
  }
}

/** Keep the socket queue in step with what the client just did. */
function follow(queue: SocketQueue, s: EdgeSession, op: LoginOp, res: unknown): void {
  if (op.response === AccountLoginRes) {
    const r = res as AccountLoginRes
    if (r.queue) queue.add(s, r.queue.ticket, r.queue.position)
    else queue.remove(s)
  } else if (op.response === LoginQueueStatus) {
    const st = res as LoginQueueStatus
    if (st.handoff) queue.remove(s)
  } else if (op.request === LoginQueueLeave || op.request === AccountLogout) queue.remove(s)
}
