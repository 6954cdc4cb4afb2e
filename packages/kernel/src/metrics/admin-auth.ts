import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type HttpRoute, type HttpRoutes, type NetLogger, sendHttpError } from '../net/index.js'
import { AdminUnauthorized } from './errors.js'

/** Methods that only read: served without a token (metrics scrapers, health checks). */
const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Wrap every route that is not read-only (POST, PUT, DELETE...) so it runs
 * only with `authorization: Bearer <token>`. Without a configured token such
 * routes are refused too: an operator action is never open by default.
 * Refusals are 401 with `{"error":{"code":"ADMIN_UNAUTHORIZED","message"}}`.
 */
export function withBearerAuth(
  routes: HttpRoutes,
  token: string | undefined,
  logger?: NetLogger,
): HttpRoutes {
  // Compared as SHA-256 digests: equal length whatever was sent, and
  // timingSafeEqual does not tell how much of a guess was right.
  const expected = token ? digest(token) : null
  const out: Record<string, HttpRoute> = {}
  for (const [key, route] of Object.entries(routes)) {
    const method = key.slice(0, key.indexOf(' '))
    out[key] = READ_ONLY.has(method)
      ? route
      : (req, res) => {
          const why = refusal(req, expected)
          if (why === null) return route(req, res)
          // Refused operator actions are worth an operator's attention (a probe, a leaked URL, a wrong token in a script).
          logger?.warn({ route: key, ip: req.socket.remoteAddress, why }, 'admin action refused')
          unauthorized(res, why)
        }
  }
  return out
}

function refusal(req: IncomingMessage, expected: Buffer | null): string | null {
  if (expected === null)
    return 'no admin token is configured on this server, so its operator actions are closed'
  const header = req.headers.authorization
  if (header === undefined) return 'missing authorization header (authorization: Bearer <admin token>)'
  const m = /^Bearer +(\S+) *$/i.exec(header)
  if (!m) return 'authorization header is not "Bearer <admin token>"'
  if (!timingSafeEqual(digest(m[1]!), expected)) return 'wrong admin token'
  return null
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

function unauthorized(res: ServerResponse, why: string): void {
  sendHttpError(res, 401, new AdminUnauthorized(why), { 'www-authenticate': 'Bearer realm="tessera-admin"' })
}
