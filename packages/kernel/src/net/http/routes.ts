import type { IncomingMessage, ServerResponse } from 'node:http'
import { NetHttpNotFound, NetHttpRouteFailed } from '../errors.js'
import type { NetLogger } from '../logger.js'
import { sendHttpError } from './http-error.js'

/** A plain HTTP handler for admin and metrics endpoints. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** Routes keyed `'METHOD /path'`, e.g. `{ 'GET /metrics': metrics }`. The query string is ignored. */
export type HttpRoutes = Readonly<Record<string, HttpRoute>>

/**
 * Find and run the route; 404 NET_HTTP_NOT_FOUND when none, 500
 * NET_HTTP_ROUTE_FAILED when it throws (logged, never crashes the process).
 */
export function dispatchRoute(
  routes: HttpRoutes | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  logger: NetLogger,
): void {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const key = `${req.method} ${q < 0 ? url : url.slice(0, q)}`
  const route = routes?.[key]
  if (route === undefined) {
    // The method and path the client sent, quoted as JSON: whatever bytes they are, the answer stays one line.
    sendHttpError(res, 404, new NetHttpNotFound(JSON.stringify(key)))
    return
  }
  const fail = (err: unknown): void => {
    logger.error({ err, route: key }, 'http route failed')
    if (!res.headersSent) sendHttpError(res, 500, new NetHttpRouteFailed(key))
    else res.destroy()
  }
  try {
    const r = route(req, res)
    if (r !== undefined) r.catch(fail)
  } catch (err) {
    fail(err)
  }
}
