// Hostile input at login's HTTP front and its JSON bodies, against the real
// routes (loginHttpRoutes on the net layer's HTTP stack, 127.0.0.1) and the
// real LoginService on the test MariaDB:
// - any HTTP request (method, path, headers, body) is answered with a
//   well-formed response, never a 5xx, every refusal a JSON error whose
//   code docs/errors.md lists, and a valid request is served after;
// - JSON shaped like each request (right keys with wrong types, extra keys,
//   huge strings, unicode edges, __proto__ / constructor) is refused with
//   LOGIN_BAD_FIELD or LOGIN_HTTP_BAD_JSON when it must be, never read as
//   something else, and what passes is refused or served by the service
//   with a documented LOGIN_ code, never LOGIN_INTERNAL.
// FUZZ_RUNS / FUZZ_SEED make it a long run (docs/operations.md, "Fuzzing").
import { Metrics, NetServer, NetUnknownMessage, TesseraError } from '@tessera/kernel'
import {
  documentedErrorCodes,
  fuzzHttpEndpoint,
  fuzzRun,
  hostileHttpRequest,
  jsonBytes,
  plainRequest,
  reportFuzz,
} from '@tessera/testkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginFixture, loginFixture } from '../fixtures/login-fixture.js'
import { loginHttpRoutes } from './http-routes.js'
import { messageFromJson } from './json-message.js'
import { LOGIN_OPS } from './login-ops.js'
import { OpCounter } from './op-counter.js'

let f: LoginFixture
let net: NetServer
let port: number
/** Errors the routes logged: a refusal that became LOGIN_INTERNAL is logged here first. */
const logged: object[] = []

beforeAll(async () => {
  f = await loginFixture({ http: { maxBodyBytes: 4096 } })
  net = new NetServer({
    handler: {
      onMessage(_s, frame) {
        throw new NetUnknownMessage(frame.msgId)
      },
    },
  })
  const routes = loginHttpRoutes({
    ops: LOGIN_OPS,
    service: () => f.service,
    http: f.cfg.http,
    counter: new OpCounter(new Metrics()),
    logger: { info() {}, error: (o) => logged.push(o) },
  })
  port = (await net.listen('http://127.0.0.1:0', 'client', { routes })).address.port
}, 60_000)

afterAll(async () => {
  await net?.close()
  await f?.close()
})

/** A value for a string field: a string (plain, huge, unicode edges) or a value of another type. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'correct horse battery',
      'dave',
      '\ud800',
      'a\u202eb',
      '\u0000',
      'e\u0301',
      '\ufeff',
      '😀'.repeat(20),
      ' ',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ minLength: 100, maxLength: 3000 }) },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)

/** Objects with the request's own keys (any of them, any values), the others' keys, and hostile extras. */
const KEYS = ['account', 'password', 'nickname', 'sessionToken', 'currentPassword', 'newPassword', 'ticket']
const requestLike = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.dictionary(
      fc.constantFrom(...KEYS, '__proto__', 'constructor', 'toString', 'session_token'),
      fieldValue,
      { maxKeys: 6 },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
)

/** The JSON text of a value, with `__proto__` as an own key (as a client can send it). */
function jsonText(v: unknown): string {
  return JSON.stringify(v) ?? 'null'
}

describe('login JSON fuzz', () => {
  const run = fuzzRun(200, 0.05)
  it(
    'refuses wrong types with LOGIN_BAD_FIELD, accepts only strings, and the service answers with documented codes',
    async () => {
      let tried = 0
      const documented = documentedErrorCodes()
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...LOGIN_OPS), requestLike, fc.ipV4(), async (op, value, ip) => {
          tried++
          const text = jsonText(value)
          let msg: Record<string, unknown>
          try {
            msg = messageFromJson(op.request, text) as Record<string, unknown>
          } catch (err) {
            if (!(err instanceof TesseraError)) throw err
            const isObject = value !== null && typeof value === 'object' && !Array.isArray(value)
            if (!isObject) expect(err.code).toBe('LOGIN_HTTP_BAD_JSON')
            else {
              expect(err.code).toBe('LOGIN_BAD_FIELD')
              // Refused only for a field of this request that holds neither a string nor null.
              const field = /^field "([^"]+)"/.exec(err.message)?.[1] ?? ''
              const v = (value as Record<string, unknown>)[field]
              expect(Object.keys(op.request.create() as object)).toContain(field)
              expect(typeof v === 'string' || v === null).toBe(false)
            }
            return
          }
          // Accepted: every field of the request is the string sent (or its default), never another type.
          const sent = (value ?? {}) as Record<string, unknown>
          for (const [k, def] of Object.entries(op.request.create() as object)) {
            const v = Object.hasOwn(sent, k) ? sent[k] : undefined
            expect(msg[k]).toBe(typeof v === 'string' ? v : def)
          }
          try {
            await op.run(f.service, msg, { ip })
          } catch (err) {
            if (!(err instanceof TesseraError))
              throw new Error(`${op.name} threw ${String(err)}`, { cause: err })
            expect(err.code).toMatch(/^LOGIN_/)
            expect(documented.has(err.code), err.code).toBe(true)
            expect(err.code).not.toBe('LOGIN_INTERNAL')
          }
        }),
        run.params,
      )
      reportFuzz('login JSON bodies', run, tried)
    },
    run.timeoutMs ?? 60_000,
  )
})

/** A plain request the front must still serve: an unknown queue ticket is refused as such. */
async function stillServing(): Promise<void> {
  const r = await plainRequest(port, 'POST', '/v1/queue/poll', '{"ticket":"no-such-ticket"}')
  expect([r.status, JSON.parse(r.body.toString()).error.code]).toEqual([410, 'LOGIN_QUEUE_TICKET_UNKNOWN'])
}

describe('login HTTP front fuzz', () => {
  const run = fuzzRun(100, 0.05)
  it(
    'answers any request with a well-formed response, no 5xx, refusals with documented codes',
    async () => {
      const routes = LOGIN_OPS.flatMap((op) => [`POST ${op.path}`, `OPTIONS ${op.path}`])
      const request = hostileHttpRequest({
        routes,
        body: fc.oneof(
          { weight: 4, arbitrary: jsonBytes(requestLike) },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 1, max: 5000 })
              .map((n) => Buffer.from(`{"account":${'['.repeat(n)}${']'.repeat(n)}}`)),
          },
        ),
        headers: fc.oneof(
          fc.constant<[string, string]>(['content-type', 'application/json']),
          fc.tuple(fc.constant('x-forwarded-for'), fc.ipV4()),
          fc.constant<[string, string]>(['origin', 'https://game.example']),
        ),
        usual: [['content-type', 'application/json']],
      })
      const tried = await fuzzHttpEndpoint(port, request, run.params, stillServing)
      expect(logged).toEqual([])
      reportFuzz('login HTTP front, requests', run, tried)
    },
    run.timeoutMs ?? 60_000,
  )
})
