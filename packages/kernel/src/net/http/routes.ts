import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NetLogger } from '../logger.js'

/** A plain HTTP handler for admin and metrics endpoints. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** Routes keyed `'METHOD /path'`, e.g. `{ 'GET /metrics': metrics }`. The query string is ignored. */
export type HttpRoutes = Readonly<Record<string, HttpRoute>>

/** Find and run the route; 404 when none, 500 when it throws (logged, never crashes the process). */
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
    respond(res, 404, 'not found')
    return
  }
  const fail = (err: unknown): void => {
    logger.error({ err, route: key }, 'http route failed')
    if (!res.headersSent) respond(res, 500, 'internal error')
    else res.destroy()
  }
  try {
    const r = route(req, res)
    if (r !== undefined) r.catch(fail)
  } catch (err) {
    fail(err)
  }
}

function respond(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}
