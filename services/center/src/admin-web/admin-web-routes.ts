import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import {
  type HttpRoute,
  type HttpRoutes,
  type Logger,
  type TesseraError,
  toTesseraError,
} from '@tessera/kernel'
import {
  CenterUiBadCsrf,
  CenterUiBadOrigin,
  CenterUiBadRequest,
  CenterUiLoginFailed,
  CenterUiNoSession,
  CenterUiThrottled,
} from './admin-web-errors.js'
import type { LoginThrottle } from './login-throttle.js'
import { DUMMY_HASH, verifyOperatorPassword } from './operator-password.js'
import {
  csrfMatches,
  type OperatorSession,
  type OperatorSessions,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from './operator-sessions.js'
import { OPERATOR_NAME, readOperators } from './operators-file.js'
import { crossSite, SECURITY_HEADERS } from './request-guard.js'
import type { StaticFile } from './static-files.js'

/** Largest JSON body the page sends. */
const MAX_BODY = 64 * 1024
/** Password checks (scrypt, ~0.1 s of CPU each) running at once; more wait their turn as 429. */
const MAX_CHECKS = 4

/** One audited operator action (also in the log as `audit`). */
export interface AuditEntry {
  atMs: number
  operator: string
  action: string
  target: string
  status: number
  result: string
  ip: string
}

export interface AdminWebRoutesOptions {
  files: ReadonlyMap<string, StaticFile>
  /** The script routes (`POST /admin/...`, bearer-token routes), run for a logged-in operator. */
  actions: HttpRoutes
  /** JSON for GET /ui/api/overview and /ui/api/charts. */
  overview: () => unknown
  charts: () => unknown
  sessions: OperatorSessions
  /** Failed logins by client address and by operator name. */
  throttle: LoginThrottle
  /** The operators file (undefined: nobody can log in). */
  operatorsFile: string | undefined
  /** Served over https: the cookie is Secure and the expected origin https. */
  secure: boolean
  /** More origins allowed to POST (a reverse proxy's public origin). */
  origins: readonly string[]
  sessionMaxAgeS: number
  logger: Logger
  /** Wall clock, ms (audit entries). */
  now: () => number
  /** Keeps the last audit entries for the page. */
  audit: (e: AuditEntry) => void
}

/**
 * The operator page's routes on the center's admin endpoint, all under
 * /ui: the static page, login/logout/session, the overview and chart data
 * (GET, session required), and `POST /ui/api/admin/<x>` for every script
 * route `POST /admin/<x>` (the same handler, with the same JSON body). Every
 * POST needs the page's own Origin; every POST but login a session cookie
 * and its CSRF token in `x-csrf-token`. Every action is audited (log line
 * `operator action`, and the page's audit panel).
 */
export function adminWebRoutes(o: AdminWebRoutesOptions): HttpRoutes {
  const routes: Record<string, HttpRoute> = {}
  for (const [path, f] of o.files) routes[`GET ${path}`] = (_req, res) => send(res, 200, f.type, f.body)
  let checking = 0

  routes['POST /ui/api/login'] = async (req, res) => {
    const ip = req.socket.remoteAddress ?? '?'
    const bad = crossSite(req, o.secure, o.origins)
    if (bad !== null) return fail(res, 403, new CenterUiBadOrigin(bad))
    let body: Record<string, unknown>
    try {
      body = await readJson(req)
    } catch (err) {
      return fail(res, 400, toTesseraError(err))
    }
    const name = typeof body.name === 'string' ? body.name : ''
    const password = typeof body.password === 'string' ? body.password : ''
    const wait = Math.max(o.throttle.retryAfterS(`ip:${ip}`), o.throttle.retryAfterS(`op:${name}`))
    if (wait > 0 || checking >= MAX_CHECKS) {
      o.logger.warn(
        { audit: { operator: name, action: 'login', ip, result: 'throttled' } },
        'operator login throttled',
      )
      return fail(res, 429, new CenterUiThrottled(Math.max(wait, 1)), {
        'retry-after': String(Math.max(wait, 1)),
      })
    }
    checking++
    let ok = false
    try {
      const hash =
        o.operatorsFile && OPERATOR_NAME.test(name) ? readOperators(o.operatorsFile).get(name) : undefined
      // Unknown names cost the same scrypt as known ones.
      ok = (await verifyOperatorPassword(password, hash ?? DUMMY_HASH)) && hash !== undefined
    } catch (err) {
      o.logger.error({ err }, 'operator login: cannot read the operators file')
    } finally {
      checking--
    }
    if (!ok) {
      o.throttle.fail(`ip:${ip}`)
      o.throttle.fail(`op:${name}`)
      o.logger.warn(
        { audit: { operator: name, action: 'login', ip, result: 'refused' } },
        'operator login refused',
      )
      return fail(res, 401, new CenterUiLoginFailed())
    }
    o.throttle.succeed(`ip:${ip}`)
    o.throttle.succeed(`op:${name}`)
    const { id, session } = o.sessions.create(name)
    o.logger.info({ audit: { operator: name, action: 'login', ip, result: 'ok' } }, 'operator logged in')
    json(
      res,
      200,
      { operator: name, csrf: session.csrf },
      {
        'set-cookie': sessionCookie(id, o.secure, o.sessionMaxAgeS),
      },
    )
  }

  routes['GET /ui/api/session'] = (req, res) => {
    const s = sessionOf(req)
    if (!s) return fail(res, 401, new CenterUiNoSession())
    json(res, 200, { operator: s.operator, csrf: s.csrf })
  }
  routes['GET /ui/api/overview'] = (req, res) => {
    if (!sessionOf(req)) return fail(res, 401, new CenterUiNoSession())
    json(res, 200, o.overview())
  }
  routes['GET /ui/api/charts'] = (req, res) => {
    if (!sessionOf(req)) return fail(res, 401, new CenterUiNoSession())
    json(res, 200, o.charts())
  }
  routes['POST /ui/api/logout'] = guarded(async (req, res, s) => {
    await readJson(req).catch(() => ({}))
    o.sessions.end(readCookie(req.headers.cookie, SESSION_COOKIE))
    o.logger.info(
      { audit: { operator: s.operator, action: 'logout', ip: req.socket.remoteAddress } },
      'operator logged out',
    )
    json(res, 200, { ok: true }, { 'set-cookie': sessionCookie(null, o.secure, 0) })
  })

  for (const [key, route] of Object.entries(o.actions)) {
    if (!key.startsWith('POST /admin/')) continue
    const action = key.slice('POST /admin/'.length)
    routes[`POST /ui/api/admin/${action}`] = guarded(async (req, res, s) => {
      const raw = await readBody(req)
      const ip = req.socket.remoteAddress ?? '?'
      const captured = capture(res)
      let status = 500
      let result = 'failed'
      try {
        await route(replay(req, raw), res)
        status = captured.status
        result = summarize(captured.body)
      } catch (err) {
        result = toTesseraError(err).code
        throw err
      } finally {
        const entry: AuditEntry = {
          atMs: o.now(),
          operator: s.operator,
          action,
          target: targetOf(raw),
          status,
          result,
          ip,
        }
        o.audit(entry)
        o.logger.info({ audit: entry }, 'operator action')
      }
    })
  }
  return routes

  function sessionOf(req: IncomingMessage): OperatorSession | null {
    return o.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE))
  }

  /** A POST that needs the page's origin, a session and its CSRF token, checked in that order. */
  function guarded(
    fn: (req: IncomingMessage, res: ServerResponse, s: OperatorSession) => Promise<void>,
  ): HttpRoute {
    return async (req, res) => {
      const bad = crossSite(req, o.secure, o.origins)
      if (bad !== null) return refuse(req, res, 403, new CenterUiBadOrigin(bad))
      const s = sessionOf(req)
      if (!s) return refuse(req, res, 401, new CenterUiNoSession())
      const sent = req.headers['x-csrf-token']
      if (!csrfMatches(s, typeof sent === 'string' ? sent : undefined))
        return refuse(req, res, 403, new CenterUiBadCsrf(), s.operator)
      try {
        await fn(req, res, s)
      } catch (err) {
        const e = toTesseraError(err)
        if (res.headersSent) throw err
        fail(res, e.code === CenterUiBadRequest.code ? 400 : 500, e)
      }
    }
  }

  function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    e: TesseraError,
    operator = '',
  ): void {
    o.logger.warn(
      { audit: { operator, action: req.url, ip: req.socket.remoteAddress, result: e.code } },
      'operator request refused',
    )
    // Drain the body so the connection can be reused.
    req.resume()
    fail(res, status, e)
  }
}

/** What the action was about, for the audit: the user, gateway or address in its body. */
function targetOf(raw: Buffer): string {
  try {
    const b = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    if (b.userId !== undefined) return `user ${String(b.userId)}`
    if (b.serviceId !== undefined) return `gateway ${String(b.serviceId)}`
    if (b.deny !== undefined || b.allow !== undefined)
      return `ip ${JSON.stringify({ allow: b.allow, deny: b.deny })}`
    if (typeof b.text === 'string') return `notice "${b.text.slice(0, 80)}"`
  } catch {
    // not JSON: the handler answers 400
  }
  return ''
}

/** A short result for the audit: the error code, or how many were affected. */
function summarize(body: string): string {
  try {
    const v = JSON.parse(body) as {
      error?: { code?: string }
      affected?: number
      logics?: number
      ok?: boolean
    }
    if (v.error?.code) return v.error.code
    if (typeof v.affected === 'number') return `ok, affected ${v.affected}`
    if (typeof v.logics === 'number') return `ok, sent to ${v.logics} logic`
    return 'ok'
  } catch {
    return body.slice(0, 80)
  }
}

/** Record what a handler writes (status and body) while it goes out as usual. */
function capture(res: ServerResponse): { status: number; body: string } {
  const seen = { status: 0, body: '' }
  const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    seen.status = status
    return writeHead(status, ...rest)
  }) as typeof res.writeHead
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (seen.status === 0) seen.status = res.statusCode
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) seen.body = String(chunk).slice(0, 4096)
    return end(chunk, ...rest)
  }) as typeof res.end
  return seen
}

/** The request again with its body already read, for a handler that reads it itself. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  return Object.assign(Readable.from([body]), {
    headers: req.headers,
    method: req.method,
    url: req.url,
    socket: req.socket,
  }) as unknown as IncomingMessage
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY) throw new CenterUiBadRequest(`body larger than ${MAX_BODY} bytes`)
    chunks.push(c)
  }
  return Buffer.concat(chunks)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8')
  let v: unknown
  try {
    v = JSON.parse(raw || '{}')
  } catch {
    throw new CenterUiBadRequest('the body is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new CenterUiBadRequest('the body must be a JSON object')
  return v as Record<string, unknown>
}

function json(res: ServerResponse, status: number, v: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
  send(res, status, 'application/json; charset=utf-8', body, headers)
}

function fail(
  res: ServerResponse,
  status: number,
  e: TesseraError,
  headers: Record<string, string> = {},
): void {
  json(res, status, { error: { code: e.code, message: e.message } }, headers)
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
