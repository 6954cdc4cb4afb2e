import { connect } from 'node:net'
import fc from 'fast-check'
import { documentedErrorCodes } from './fuzz.js'

/** One request as bytes on the wire, and what its answer is checked against. */
export interface HostileRequest {
  method: string
  path: string
  bytes: Buffer
}

export interface HostileRequestOptions {
  /** The server's routes, `'METHOD /path'`: most requests aim at one of them. */
  routes: readonly string[]
  /** Bodies worth sending to these routes (JSON-like ones); random bytes are mixed in. */
  body?: fc.Arbitrary<Uint8Array>
  /** Header lines worth sending (a right content type, a token); random ones are mixed in. */
  headers?: fc.Arbitrary<[string, string]>
  /** Header lines most requests carry (a valid token, so bodies reach the routes behind it). */
  usual?: readonly [string, string][]
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI']
/** Printable bytes that are legal in a header value, and some that are not. */
const text = (max: number) => fc.string({ maxLength: max, unit: 'binary' })
const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)

/**
 * HTTP/1.1 requests a hostile client may send, each ending with
 * `connection: close` (the server answers once and hangs up, so the test
 * reads to the end): a known or made-up method and path (queries,
 * percent-escapes, absolute forms, long ones), good and bad headers
 * (content types, lengths that lie short, bytes a header may not hold)
 * and a JSON-like or random body, sometimes chunked. A declared length is
 * never longer than the body: a server waiting for bytes that never come
 * is its request timeout's business, not this test's.
 */
export function hostileHttpRequest(o: HostileRequestOptions): fc.Arbitrary<HostileRequest> {
  const known = o.routes.map((r) => ({
    method: r.slice(0, r.indexOf(' ')),
    path: r.slice(r.indexOf(' ') + 1),
  }))
  const knownPath = fc.constantFrom(...known.map((k) => k.path))
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...known.map((k) => k.method)) },
    { weight: 3, arbitrary: fc.constantFrom(...METHODS) },
    { weight: 1, arbitrary: token },
  )
  const path = fc.oneof(
    { weight: 6, arbitrary: knownPath },
    { weight: 1, arbitrary: fc.tuple(knownPath, fc.webQueryParameters()).map(([p, q]) => `${p}?${q}`) },
    { weight: 1, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
    {
      weight: 1,
      arbitrary: knownPath.map((p) => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)),
    },
    { weight: 1, arbitrary: fc.constantFrom('*', 'http://127.0.0.1/healthz', '//x', '/..%2f', '/\u00e9') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }).map((n) => `/${'a'.repeat(n)}`) },
  )
  const body = fc.oneof(
    { weight: 3, arbitrary: o.body ?? fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  )
  const header: fc.Arbitrary<[string, string]> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(
        fc.constant('content-type'),
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          '',
          ';',
        ),
      ),
    },
    { weight: 2, arbitrary: o.headers ?? fc.tuple(token, text(30)) },
    { weight: 1, arbitrary: fc.tuple(token, text(30)) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('authorization', 'origin', 'cookie', 'x-forwarded-for', 'expect', 'upgrade', 'host'),
        fc.oneof(text(40), fc.constantFrom('Bearer x', '100-continue', 'websocket', 'null')),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(text(20), text(20)) },
  )
  const framing = fc.constantFrom('length', 'length', 'length', 'short', 'none', 'chunked')
  return fc
    .record({
      method,
      path,
      headers: fc.array(header, { maxLength: 6 }),
      body,
      framing,
      host: fc.boolean(),
      usual: fc.nat({ max: 3 }),
      cut: fc.nat(),
    })
    .map((r) => {
      const lines = [`${r.method} ${r.path} HTTP/1.1`]
      if (r.host) lines.push('host: 127.0.0.1')
      if (r.usual > 0) for (const [k, v] of o.usual ?? []) lines.push(`${k}: ${v}`)
      for (const [k, v] of r.headers) lines.push(`${k}: ${v}`)
      let payload: Buffer = Buffer.from(r.body)
      if (r.framing === 'length') lines.push(`content-length: ${payload.length}`)
      else if (r.framing === 'short' && payload.length > 0)
        lines.push(`content-length: ${r.cut % payload.length}`)
      else if (r.framing === 'chunked') {
        lines.push('transfer-encoding: chunked')
        payload = Buffer.concat([
          Buffer.from(`${payload.length.toString(16)}\r\n`),
          payload,
          Buffer.from(payload.length > 0 ? '\r\n0\r\n\r\n' : '\r\n'),
        ])
      }
      lines.push('connection: close')
      const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
      return { method: r.method, path: r.path, bytes: Buffer.concat([head, payload]) }
    })
}

/** A JSON text as bytes, sometimes with its UTF-8 broken (a lone continuation or an overlong byte). */
export function jsonBytes(value: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(value, fc.nat(), fc.constantFrom(null, 0x80, 0xc0, 0xff, 0xed)).map(([v, at, bad]) => {
    const b = Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')
    if (bad === null || b.length === 0) return b
    const i = at % b.length
    return Buffer.concat([b.subarray(0, i), Buffer.from([bad]), b.subarray(i)])
  })
}

/** What came back for one request: the bytes until the server closed. */
export async function exchange(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const s = connect({ port, host: '127.0.0.1' })
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error(`no answer and no close within ${timeoutMs} ms`))
    }, timeoutMs)
    s.on('data', (c: Buffer) => chunks.push(c))
    // A reset after the answer (the server closed with our body unread) is still an answer.
    s.on('error', () => {})
    s.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    s.write(bytes)
  })
}

/** One HTTP/1.1 response, strictly parsed. */
export interface ParsedResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * The first final response in `buf` (after any 1xx), strictly: a status
 * line, headers, and a body of exactly its content-length (or chunked, or
 * up to the close). Throws on anything
 * else, an empty `buf` (a dropped connection) included.
 */
export function parseResponse(buf: Buffer, head: boolean): ParsedResponse {
  const end = buf.indexOf('\r\n\r\n')
  if (end < 0)
    throw new Error(`not an HTTP response: ${JSON.stringify(buf.subarray(0, 80).toString('latin1'))}`)
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n')
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine!)
  if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)}`)
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i <= 0) throw new Error(`bad header line ${JSON.stringify(l)}`)
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  const status = Number(m[1])
  const rest = buf.subarray(end + 4)
  // An interim answer (100 Continue to `expect: 100-continue`): the real one follows.
  if (status >= 100 && status < 200) return parseResponse(rest, head)
  if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) }
  if (headers['transfer-encoding'] === 'chunked') return { status, headers, body: unchunk(rest) }
  // Neither length nor chunks: the body runs to the close (buf holds all the server sent).
  if (headers['content-length'] === undefined) return { status, headers, body: rest }
  const len = Number(headers['content-length'])
  if (!Number.isSafeInteger(len) || len < 0) throw new Error(`bad content-length in ${statusLine}`)
  if (rest.length < len) throw new Error(`body cut short: ${rest.length} of ${len} bytes`)
  return { status, headers, body: rest.subarray(0, len) }
}

function unchunk(b: Buffer): Buffer {
  const out: Buffer[] = []
  let at = 0
  for (;;) {
    const nl = b.indexOf('\r\n', at)
    if (nl < 0) throw new Error('chunked body cut short')
    const n = Number.parseInt(b.subarray(at, nl).toString('latin1'), 16)
    if (!Number.isSafeInteger(n)) throw new Error('bad chunk size')
    if (n === 0) return Buffer.concat(out)
    out.push(b.subarray(nl + 2, nl + 2 + n))
    at = nl + 2 + n + 2
  }
}

/**
 * Check one answer to a hostile request: a well-formed response, never a
 * 5xx, and a refusal (4xx) carries `{"error":{"code"}}` with a code
 * docs/errors.md lists. Returns the response for more checks.
 */
export function expectRefusedOrServed(buf: Buffer, req: HostileRequest): ParsedResponse {
  const head = req.method === 'HEAD'
  const r = parseResponse(buf, head)
  const what = `${req.method} ${req.path.slice(0, 60)} → ${r.status}`
  if (r.status >= 500)
    throw new Error(`${what}: a server error for a client's request (${r.body.toString()})`)
  if (r.status < 400 || head) return r
  let code: unknown
  try {
    code = (JSON.parse(r.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code
  } catch {
    throw new Error(
      `${what}: the refusal is not JSON: ${JSON.stringify(r.body.toString('utf8').slice(0, 80))}`,
    )
  }
  if (typeof code !== 'string' || !documentedErrorCodes().has(code))
    throw new Error(`${what}: refused with ${String(code)}, not a code docs/errors.md lists`)
  return r
}

/** One plain request (`connection: close`) and its parsed answer: the "still serving" check after a hostile one. */
export async function plainRequest(
  port: number,
  method: string,
  path: string,
  json?: string,
): Promise<ParsedResponse> {
  const body = json === undefined ? '' : json
  const type = json === undefined ? '' : 'content-type: application/json\r\n'
  const head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${type}content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`
  return parseResponse(await exchange(port, Buffer.from(head + body)), method === 'HEAD')
}

/**
 * The HTTP fuzz property: each request on its own connection to `port`
 * gets an answer {@link expectRefusedOrServed} accepts, and `stillServing`
 * passes after it. Resolves with the count of requests tried.
 */
export async function fuzzHttpEndpoint(
  port: number,
  request: fc.Arbitrary<HostileRequest>,
  params: fc.Parameters<[HostileRequest]>,
  stillServing: () => Promise<void>,
): Promise<number> {
  let tried = 0
  await fc.assert(
    fc.asyncProperty(request, async (req) => {
      tried++
      expectRefusedOrServed(await exchange(port, req.bytes), req)
      await stillServing()
    }),
    params,
  )
  return tried
}
