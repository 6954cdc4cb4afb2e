// Hostile HTTP requests against a real center's admin endpoint on
// 127.0.0.1: the kernel's admin server (/metrics, /admin/state, /healthz:
// the same server every gateway and logic runs on admin.listen), the
// center's operator actions (gateways, chat, shards; with the right bearer
// token, so bodies reach their parsers) and the operator page's API (/ui).
// Whatever the method, path, headers and body, the answer is a well-formed
// HTTP response, never a 5xx, every refusal a JSON error with a code
// docs/errors.md lists, and the endpoint serves a valid request after.
// FUZZ_RUNS / FUZZ_SEED make it a long run (docs/operations.md, "Fuzzing").
import {
  fuzzHttpEndpoint,
  fuzzRun,
  hostileHttpRequest,
  jsonBytes,
  plainRequest,
  reportFuzz,
} from '@tessera/testkit'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CenterHandle, dropDatabases, startCenter } from '../fixtures/harness.js'

const TOKEN = 'fuzz-admin-token-0123456789'

const ROUTES = [
  'GET /metrics',
  'GET /admin/state',
  'GET /healthz',
  'GET /admin/cluster',
  'GET /admin/shards',
  'POST /admin/shards/move',
  'POST /admin/gateways/kick',
  'POST /admin/gateways/notice',
  'POST /admin/gateways/drain',
  'POST /admin/gateways/undrain',
  'GET /admin/gateways/ip-rules',
  'POST /admin/gateways/ip-rules',
  'POST /admin/chat/mute',
  'POST /admin/chat/ban',
  'POST /admin/chat/unban',
  'POST /admin/chat/notice',
  'GET /ui/',
  'POST /ui/api/login',
  'GET /ui/api/session',
  'GET /ui/api/overview',
  'POST /ui/api/logout',
  'POST /ui/api/admin/chat/mute',
]

/** A value for a field: the right type, a wrong one, an edge (huge, negative, unicode), or any JSON. */
const fieldValue = fc.oneof(
  fc.constantFrom('7290111122223333', '1', '0', '-1', '99999999999999999999', '', ' ', '\u202e', '\ud800'),
  fc.integer({ min: -2, max: 300 }),
  fc.constantFrom(2 ** 53, -(2 ** 63), 1.5, Number.MAX_VALUE),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 400, maxLength: 2000 }),
  fc.array(fc.oneof(fc.constantFrom('10.0.0.0/8', '::1', 'nope', '1.2.3.4/99'), fc.integer())),
  fc.jsonValue({ maxDepth: 3 }),
)

/** Objects shaped like the operator bodies (right keys, any values), plus any JSON and deep nesting. */
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: jsonBytes(
      fc.record(
        {
          userId: fieldValue,
          message: fieldValue,
          text: fieldValue,
          serviceId: fieldValue,
          seconds: fieldValue,
          reason: fieldValue,
          to: fieldValue,
          shards: fieldValue,
          count: fieldValue,
          allow: fc.oneof(
            fieldValue,
            fc.record({ add: fieldValue, remove: fieldValue }, { requiredKeys: [] }),
          ),
          deny: fc.oneof(
            fieldValue,
            fc.record({ add: fieldValue, remove: fieldValue }, { requiredKeys: [] }),
          ),
          name: fieldValue,
          password: fieldValue,
          __proto__: fieldValue,
          constructor: fieldValue,
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { weight: 1, arbitrary: jsonBytes(fc.jsonValue()) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean())
      .map(([n, arr]) =>
        Buffer.from(arr ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
      ),
  },
)

let center: CenterHandle
let port: number
let origin: string

beforeAll(async () => {
  center = await startCenter({ center: { adminToken: TOKEN } })
  origin = center.adminAddress
  port = Number(new URL(center.adminAddress).port)
}, 60_000)

afterAll(async () => {
  await center?.close()
  await dropDatabases()
})

/** A plain GET /healthz on a new connection answers 200. */
async function stillServing(): Promise<void> {
  expect((await plainRequest(port, 'GET', '/healthz')).status).toBe(200)
}

describe('center admin endpoint fuzz', () => {
  const run = fuzzRun(250, 0.2)
  it(
    'answers any request with a well-formed response, no 5xx, refusals with documented codes',
    async () => {
      const request = hostileHttpRequest({
        routes: ROUTES,
        body,
        headers: fc.oneof(
          fc.constant<[string, string]>(['authorization', `Bearer ${TOKEN}`]),
          fc.constant<[string, string]>(['origin', origin]),
        ),
        usual: [
          ['authorization', `Bearer ${TOKEN}`],
          ['content-type', 'application/json'],
        ],
      })
      const tried = await fuzzHttpEndpoint(port, request, run.params, stillServing)
      reportFuzz('center admin endpoint, HTTP requests', run, tried)
    },
    run.timeoutMs ?? 60_000,
  )
})
