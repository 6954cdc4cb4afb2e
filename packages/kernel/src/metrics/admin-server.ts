import type { ServerResponse } from 'node:http'
import type { HttpRoutes, Listener, NetLogger } from '../net/index.js'
import { formatAddress, NetServer, NetUnknownMessage, silentLogger } from '../net/index.js'
import { withBearerAuth } from './admin-auth.js'
import type { Metrics } from './metrics.js'

export interface AdminServerOptions {
  /** `http://host:port` (port 0 = any free port). */
  address: string
  metrics: Metrics
  /** JSON for `GET /admin/state`; called on every request. */
  state: () => unknown | Promise<unknown>
  /** More routes (`'GET /admin/cluster'`...), e.g. the center's cluster view. */
  routes?: HttpRoutes
  /**
   * Bearer token of the routes that change something (every method but
   * GET/HEAD/OPTIONS): they answer 401 ADMIN_UNAUTHORIZED without
   * `authorization: Bearer <token>`, and always when no token is set.
   */
  token?: string
  /**
   * Routes that authenticate each request themselves (the center's operator
   * page: a session cookie and a CSRF token), served without the bearer check.
   */
  selfAuthRoutes?: HttpRoutes
  logger?: NetLogger
}

/** A running admin endpoint. */
export interface AdminServer {
  /** The bound address, e.g. `http://127.0.0.1:39011`. */
  readonly address: string
  close(): Promise<void>
}

/**
 * Serve `GET /metrics` (Prometheus text), `GET /admin/state` (JSON) and
 * `GET /healthz` on the net layer's HTTP stack, as `admin` sessions (so the
 * admin limits and IP lists apply). Routes other than GET/HEAD/OPTIONS need
 * the bearer token ({@link AdminServerOptions.token}). WebSocket upgrades on
 * this port carry no messages yet and are answered NET_UNKNOWN_MESSAGE.
 */
export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const logger = opts.logger ?? silentLogger
  const net = new NetServer({
    logger,
    handler: {
      onMessage(_s, frame) {
        throw new NetUnknownMessage(frame.msgId)
      },
    },
  })
  const routes: HttpRoutes = {
    ...opts.selfAuthRoutes,
    ...withBearerAuth(
      {
        'GET /metrics': async (_req, res) => {
          const body = await opts.metrics.text()
          send(res, 200, opts.metrics.contentType, body)
        },
        'GET /admin/state': async (_req, res) => {
          sendJson(res, 200, await opts.state())
        },
        'GET /healthz': (_req, res) => send(res, 200, 'text/plain; charset=utf-8', 'ok\n'),
        ...opts.routes,
      },
      opts.token,
      logger,
    ),
  }
  let listener: Listener
  try {
    listener = await net.listen(opts.address, 'admin', { routes })
  } catch (err) {
    await net.close()
    throw err
  }
  return {
    address: formatAddress(listener.address),
    close: () => net.close(),
  }
}

/** Write a JSON body; bigints (snowflake ids, epochs) become decimal strings. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
  send(res, status, 'application/json; charset=utf-8', body)
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
