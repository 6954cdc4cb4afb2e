import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ComponentHost, type HttpRoutes, type ServiceContext, sendJson } from '@tessera/kernel'
import { ChatModerate, ChatNotice, type MessageType } from '@tessera/protocol'
import { CenterComponentIds } from '../component-ids.js'
import type { CenterConfig } from '../config.js'
import { CenterBadAdminRequest } from '../errors.js'
import type { CenterLink } from '../link/index.js'
import type { RegistryComponent } from '../registry/index.js'

const MAX_BODY = 16 * 1024
const NOTICE_MAX = 500
const REASON_MAX = 200
/** Longest mute an operator may set in one call (a year); longer is a ban. */
const MUTE_MAX_S = 365 * 24 * 3600

type Body = Record<string, unknown>

/**
 * Operator chat actions on the center's admin endpoint (POST, JSON body):
 *
 * - `/admin/chat/mute` `{ userId, seconds, reason? }`: the player may not send
 *   chat for `seconds` (0 lifts the mute);
 * - `/admin/chat/ban` `{ userId, reason? }` / `/admin/chat/unban` `{ userId }`;
 * - `/admin/chat/notice` `{ text }`: a system notice to every online player.
 *
 * Each becomes one typed cluster message to every registered logic
 * (ChatModerate, ChatNotice) on its link to the center; the player's home
 * logic applies a moderation at once and keeps it in its database. The
 * answer says how many logic services were sent it.
 */
export function chatRoutes(host: ComponentHost<ServiceContext<CenterConfig>>): HttpRoutes {
  const toLogics = <T>(type: MessageType<T>, msg: T): number => {
    const registry = host.get<RegistryComponent>(CenterComponentIds.Registry).registry
    const proxy = host.get<CenterLink>(CenterComponentIds.Link).proxy
    let n = 0
    for (const s of registry.list()) {
      if (s.kind !== 'logic') continue
      const link = registry.linkOf(s.serviceId)
      if (link !== undefined && proxy.sendOn(link, type, msg)) n++
    }
    return n
  }
  const moderate = (b: Body, fields: Pick<ChatModerate, 'mutedUntilMs' | 'banned'>, action: string) => {
    const userId = userIdOf(b)
    const reason = optionalText(b.reason, 'reason', REASON_MAX)
    const logics = toLogics(ChatModerate, { userId, reason, ...fields })
    host.context.logger.info({ userId: String(userId), action, reason, logics }, 'chat: operator action')
    return { ok: true, userId: String(userId), logics, ...fields }
  }
  return {
    'POST /admin/chat/mute': json((b) => {
      const seconds = b.seconds
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MUTE_MAX_S)
        throw new CenterBadAdminRequest(`seconds must be an integer in 0..${MUTE_MAX_S}`)
      const until = seconds === 0 ? 0n : BigInt(host.context.clock.now() + seconds * 1000)
      return moderate(b, { mutedUntilMs: until }, 'mute')
    }),
    'POST /admin/chat/ban': json((b) => moderate(b, { banned: true }, 'ban')),
    'POST /admin/chat/unban': json((b) => moderate(b, { banned: false }, 'unban')),
    'POST /admin/chat/notice': json((b) => {
      const text = optionalText(b.text, 'text', NOTICE_MAX)
      if (text.trim() === '') throw new CenterBadAdminRequest('text is required')
      const logics = toLogics(ChatNotice, { text, sentAtMs: BigInt(host.context.clock.now()) })
      host.context.logger.info({ logics }, 'chat: system notice')
      return { ok: true, logics }
    }),
  }
}

function userIdOf(b: Body): bigint {
  const v = b.userId
  if (typeof v !== 'string' || !/^[1-9]\d{0,19}$/.test(v) || BigInt(v) > 0xffff_ffff_ffff_ffffn)
    throw new CenterBadAdminRequest('userId must be a decimal string (a snowflake id)')
  return BigInt(v)
}

function optionalText(v: unknown, name: string, max: number): string {
  if (v === undefined) return ''
  if (typeof v !== 'string' || v.length > max)
    throw new CenterBadAdminRequest(`${name} must be a string of at most ${max} characters`)
  return v
}

/** A POST route with a JSON object body: 400 on a bad body, the handler's answer as 200 JSON. */
function json(fn: (body: Body) => unknown) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Body
    try {
      body = await readJson(req)
      sendJson(res, 200, fn(body))
    } catch (err) {
      if (!CenterBadAdminRequest.is(err)) throw err
      sendJson(res, 400, { error: { code: err.code, message: err.message } })
    }
  }
}

export async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY) throw new CenterBadAdminRequest(`body larger than ${MAX_BODY} bytes`)
    chunks.push(c)
  }
  let v: unknown
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new CenterBadAdminRequest('body is not JSON')
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new CenterBadAdminRequest('body must be a JSON object')
  return v as Body
}
