import type { IncomingMessage, ServerResponse } from 'node:http'
import { type HttpRoutes, sendJson, toTesseraError } from '@tessera/kernel'
import { CenterBadAdminRequest } from '../errors.js'
import type { GatewayControl, IpRuleChange } from '../gateway-control/index.js'

/** Largest JSON body of an operator action. */
const MAX_BODY_BYTES = 64 * 1024

/**
 * Operator actions on the gateways (docs/operations.md, "Operator actions
 * on gateways"). The POST routes need the admin bearer token (the kernel's
 * admin server checks it before they run). Answers are JSON: what each
 * gateway did, and which did not answer in time.
 *
 * - `POST /admin/gateways/kick` `{"userId":"…","message":"…"}`
 * - `POST /admin/gateways/notice` `{"text":"…"}`
 * - `GET /admin/gateways/ip-rules`
 * - `POST /admin/gateways/ip-rules` `{"deny":{"add":[…],"remove":[…]},"allow":{…}}`
 * - `POST /admin/gateways/drain` `{"serviceId":201,"message":"…"}`
 * - `POST /admin/gateways/undrain` `{"serviceId":201}`
 */
export function gatewayRoutes(control: () => GatewayControl): HttpRoutes {
  return {
    'POST /admin/gateways/kick': route(async (body) => {
      const userId = parseUserId(body.userId)
      const message = body.message === undefined ? 'kicked by an operator' : body.message
      return { userId: String(userId), ...(await control().kick(userId, message as string)) }
    }),
    'POST /admin/gateways/drain': route(async (body) => {
      const id = gatewayId(body)
      const message = body.message === undefined ? '' : body.message
      return { serviceId: id, ...(await control().drain(id, message as string)) }
    }),
    'POST /admin/gateways/undrain': route(async (body) => {
      const id = gatewayId(body)
      return { serviceId: id, ...(await control().undrain(id)) }
    }),
    'POST /admin/gateways/notice': route(async (body) => control().notice(body.text as string)),
    'GET /admin/gateways/ip-rules': (_req, res) => sendJson(res, 200, control().rules),
    'POST /admin/gateways/ip-rules': route(async (body) => {
      const { rules, outcome } = await control().changeIpRules(parseChange(body))
      return { rules, ...outcome }
    }),
  }
}

type Body = Record<string, unknown>

/** Read the JSON body, run `fn`, answer 200 with its result or a JSON error. */
function route(fn: (body: Body) => Promise<unknown>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let out: unknown
    try {
      out = await fn(await readJson(req))
    } catch (err) {
      const e = toTesseraError(err)
      const status = e.code === 'CENTER_BAD_ADMIN_REQUEST' || e.code === 'NET_BAD_IP_RULE' ? 400 : 503
      sendJson(res, status, { error: { code: e.code, message: e.message } })
      return
    }
    sendJson(res, 200, out)
  }
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY_BYTES) throw new CenterBadAdminRequest(`body larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(c)
  }
  let v: unknown
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  } catch {
    throw new CenterBadAdminRequest('the body is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new CenterBadAdminRequest('the body must be a JSON object')
  return v as Body
}

function gatewayId(body: Body): number {
  const id = body.serviceId
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0)
    throw new CenterBadAdminRequest('serviceId must be the id of a gateway (a positive integer)')
  return id
}

/** A user id as a decimal string (64-bit ids do not fit a JSON number) or a safe integer. */
function parseUserId(v: unknown): bigint {
  if (typeof v === 'string' && /^\d{1,19}$/.test(v)) return BigInt(v)
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return BigInt(v)
  throw new CenterBadAdminRequest('userId must be a decimal string (e.g. "7290111122223333")')
}

function parseChange(body: Body): IpRuleChange {
  const out: IpRuleChange = {}
  for (const key of Object.keys(body))
    if (key !== 'allow' && key !== 'deny') throw new CenterBadAdminRequest(`unknown field "${key}"`)
  for (const list of ['allow', 'deny'] as const) {
    const v = body[list]
    if (v === undefined) continue
    if (typeof v !== 'object' || v === null) throw new CenterBadAdminRequest(`${list} must be an object`)
    const o = v as Record<string, unknown>
    const entries = (k: string): string[] | undefined => {
      const e = o[k]
      if (e === undefined) return undefined
      if (!Array.isArray(e) || e.some((x) => typeof x !== 'string'))
        throw new CenterBadAdminRequest(`${list}.${k} must be an array of addresses or CIDR ranges`)
      return e as string[]
    }
    out[list] = { add: entries('add'), remove: entries('remove') }
  }
  if (out.allow === undefined && out.deny === undefined)
    throw new CenterBadAdminRequest('nothing to change: give allow and/or deny {add, remove}')
  return out
}
