import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HttpRoutes, TesseraError } from '@tessera/kernel'
import { toClientError } from '../client-error.js'
import type { LoginSection } from '../config.js'
import { LoginHttpBadContentType, LoginHttpBodyTooLarge } from '../errors.js'
import type { LoginService } from '../login-service.js'
import { ClientIpResolver } from './client-ip.js'
import { messageFromJson, messageToJson } from './json-message.js'
import type { LoginOp } from './login-ops.js'
import type { OpCounter } from './op-counter.js'

/** HTTP status for each refusal; anything unlisted that starts LOGIN_ is a 400. */
const STATUS: Record<string, number> = {
  LOGIN_ACCOUNT_TAKEN: 409,
  LOGIN_BAD_CREDENTIALS: 401,
  LOGIN_BAD_SESSION: 401,
  LOGIN_QUEUE_TICKET_UNKNOWN: 410,
  LOGIN_THROTTLED_ACCOUNT: 429,
  LOGIN_THROTTLED_IP: 429,
  LOGIN_THROTTLED_REGISTER: 429,
  LOGIN_BUSY: 503,
  LOGIN_BUSY_WAITED: 503,
  LOGIN_THROTTLED_IP_IN_FLIGHT: 429,
  LOGIN_UNAVAILABLE: 503,
  LOGIN_LOGOUT_BUSY: 503,
  LOGIN_NO_GATEWAY: 503,
  LOGIN_HTTP_BODY_TOO_LARGE: 413,
  LOGIN_HTTP_BAD_CONTENT_TYPE: 415,
  LOGIN_INTERNAL: 500,
}

export interface HttpFrontOptions {
  ops: readonly LoginOp[]
  service: () => LoginService
  http: LoginSection['http']
  counter: OpCounter
  logger: { error(o: object, m?: string): void; info(o: object, m?: string): void }
}

/**
 * The JSON API: `POST /v1/<op>` with a JSON body shaped like the op's
 * request message, answered with its response message as JSON (200) or
 * `{"error":{"code","message","retryAfterMs"?}}` with a status that fits the
 * code. CORS preflights are answered for the configured origins.
 */
export function loginHttpRoutes(o: HttpFrontOptions): HttpRoutes {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void> = {}
  const ips = new ClientIpResolver(o.http.trustedProxies)
  for (const op of o.ops) {
    routes[`POST ${op.path}`] = (req, res) => handle(o, ips, op, req, res)
    routes[`OPTIONS ${op.path}`] = (req, res) => {
      res.writeHead(204, { ...cors(o.http.corsOrigins, req), 'access-control-max-age': '600' })
      res.end()
    }
  }
  return routes
}

async function handle(
  o: HttpFrontOptions,
  ips: ClientIpResolver,
  op: LoginOp,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const t0 = performance.now()
  let status = 200
  let text: string
  let code = 'OK'
  let ip = ''
  const headers: Record<string, string> = { ...cors(o.http.corsOrigins, req) }
  try {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json') throw new LoginHttpBadContentType()
    const body = await readBody(req, o.http.maxBodyBytes)
    const msg = messageFromJson(op.request, body)
    ip = ips.of(req)
    text = messageToJson(await op.run(o.service(), msg, { ip }))
  } catch (err) {
    const e = toClientError(err, o.logger, op.name)
    code = e.code
    // Throttling is what an operator looks for after an attack: with the client address (behind a trusted proxy, the forwarded one).
    if (code.startsWith('LOGIN_THROTTLED'))
      o.logger.info({ op: op.name, ip, peer: req.socket.remoteAddress, code }, 'login: throttled')
    status = STATUS[e.code] ?? 400
    const retryAfterMs = retryAfter(e)
    if (retryAfterMs !== undefined)
      headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
    text = JSON.stringify({ error: { code: e.code, message: e.message, retryAfterMs } })
    // A body we stopped reading: do not keep the connection for more of it.
    if (!req.complete) headers.connection = 'close'
  }
  o.counter.done('http', op.name, code, performance.now() - t0)
  // The route deadline may have answered already (503) or the client left.
  if (res.destroyed || res.headersSent) return
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  })
  res.end(text)
  if (!req.complete) res.once('finish', () => req.socket.destroy())
}

const RETRY_SOON = new Set([
  'LOGIN_BUSY',
  'LOGIN_BUSY_WAITED',
  'LOGIN_THROTTLED_IP_IN_FLIGHT',
  'LOGIN_UNAVAILABLE',
  'LOGIN_LOGOUT_BUSY',
  'LOGIN_NO_GATEWAY',
])

function retryAfter(e: TesseraError): number | undefined {
  const v = e.details?.retryAfterMs
  if (typeof v === 'number') return v
  if (RETRY_SOON.has(e.code)) return 1000
  return undefined
}

function cors(origins: readonly string[], req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin
  if (origin === undefined) return {}
  const allowed = origins.includes('*') ? '*' : origins.includes(origin) ? origin : undefined
  if (allowed === undefined) return {}
  return {
    'access-control-allow-origin': allowed,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type',
    ...(allowed === '*' ? {} : { vary: 'origin' }),
  }
}

/** The body as text, refused past `max` bytes (by its Content-Length before reading, or as it arrives). */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > max) return Promise.reject(new LoginHttpBodyTooLarge(max))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer) => {
      size += c.length
      if (size > max) {
        req.off('data', onData)
        req.pause()
        reject(new LoginHttpBodyTooLarge(max))
        return
      }
      chunks.push(c)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}
