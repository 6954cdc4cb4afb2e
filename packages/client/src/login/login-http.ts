import type {
  AccountChangePasswordRes,
  AccountLoginRes,
  GatewayHandoff,
  LoginQueueStatus,
} from '@tessera/protocol/client'
import { TesseraClientError } from '../errors.js'
import type { AccountRegisterRes, LoginApi } from './login-api.js'

/** Just enough of `fetch` (browsers, Node 18+, or a mini-game shim). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>

export interface HttpLoginOptions {
  /** Default: the global fetch. */
  fetch?: FetchLike
  /** Per request. Default 10 s. */
  timeoutMs?: number
}

type Json = Record<string, unknown>

const big = (v: unknown): bigint => (typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n)
const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

function handoffFrom(j: unknown): GatewayHandoff | undefined {
  if (j === undefined || j === null) return undefined
  const h = j as Json
  return {
    token: str(h.token),
    gatewayServiceId: num(h.gatewayServiceId),
    expiresAtMs: big(h.expiresAtMs),
    tcp: Array.isArray(h.tcp) ? h.tcp.map(str) : [],
    ws: Array.isArray(h.ws) ? h.ws.map(str) : [],
  }
}

/**
 * The login service's JSON API (`POST <base>/v1/...`), for web and
 * mini-game clients that log in before opening any socket.
 */
export function httpLoginApi(baseUrl: string, opts: HttpLoginOptions = {}): LoginApi {
  const doFetch = opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined)
  const timeoutMs = opts.timeoutMs ?? 10_000
  const base = baseUrl.replace(/\/+$/, '')

  async function call(path: string, body: Json): Promise<Json> {
    if (!doFetch)
      throw new TesseraClientError('CLIENT_BAD_ARGUMENT', 'no fetch in this runtime: pass opts.fetch')
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(timeoutMs) : undefined
    let status: number
    let text: string
    try {
      const res = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      })
      status = res.status
      text = await res.text()
    } catch (err) {
      throw new TesseraClientError('CLIENT_CONNECT_FAILED', `login ${path}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    let j: Json
    try {
      j = JSON.parse(text) as Json
    } catch (err) {
      throw new TesseraClientError('CLIENT_PROTOCOL', `login ${path}: HTTP ${status}, not JSON`, {
        cause: err,
      })
    }
    const e = j.error as { code?: string; message?: string; retryAfterMs?: number } | undefined
    if (status !== 200 || e)
      throw new TesseraClientError(e?.code ?? `HTTP_${status}`, e?.message ?? `HTTP ${status}`, {
        details: { status, ...(e?.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }) },
      })
    return j
  }

  const loginRes = (j: Json): AccountLoginRes => {
    const q = j.queue as Json | undefined
    return {
      userId: big(j.userId),
      nickname: str(j.nickname),
      sessionToken: str(j.sessionToken),
      sessionExpiresAtMs: big(j.sessionExpiresAtMs),
      handoff: handoffFrom(j.handoff),
      queue: q
        ? { ticket: str(q.ticket), position: num(q.position), keepAliveMs: num(q.keepAliveMs) }
        : undefined,
    }
  }

  return {
    async register(r): Promise<AccountRegisterRes> {
      const j = await call('/v1/register', { nickname: '', ...r })
      return { userId: big(j.userId), account: str(j.account), nickname: str(j.nickname) }
    },
    login: async (r) => loginRes(await call('/v1/login', r)),
    async queuePoll(ticket): Promise<LoginQueueStatus> {
      const j = await call('/v1/queue/poll', { ticket })
      return { position: num(j.position), handoff: handoffFrom(j.handoff) }
    },
    queueLeave: async (ticket) => (await call('/v1/queue/leave', { ticket })).left === true,
    async logout(sessionToken) {
      await call('/v1/logout', { sessionToken })
    },
    async changePassword(r): Promise<AccountChangePasswordRes> {
      const j = await call('/v1/password', r)
      return { sessionToken: str(j.sessionToken), sessionExpiresAtMs: big(j.sessionExpiresAtMs) }
    },
    changeNickname: async (r) => str((await call('/v1/nickname', r)).nickname),
  }
}
