import type { QueuedAlert } from './alert.js'
import { feishuSign } from './feishu-sign.js'

/** Feishu's own "bad request": the body itself is wrong, so the same body will never pass. */
const BAD_BODY_CODES = new Set([9499, 19002])

/**
 * The JSON body for one alert: a `post` (rich text) message, title with the
 * severity, then the detail lines, where and when, and how many same-key
 * alerts were held back. Signed when a secret is configured.
 */
export function feishuBody(a: QueuedAlert, nowMs: number, secret: string | undefined, maxTextChars: number) {
  const text = a.text.length > maxTextChars ? `${a.text.slice(0, maxTextChars)}… (cut)` : a.text
  const lines = [
    ...(text ? text.split('\n') : []),
    [a.service && `service: ${a.service}`, a.node && `node: ${a.node}`].filter(Boolean).join('  '),
    `at: ${new Date(a.at).toISOString()}  kind: ${a.kind}`,
    a.suppressed ? `(${a.suppressed} more like this were held back by dedup)` : '',
  ].filter(Boolean)
  const body: Record<string, unknown> = {
    msg_type: 'post',
    content: {
      post: {
        zh_cn: {
          title: `[${a.severity.toUpperCase()}] ${a.title}`,
          content: lines.map((l) => [{ tag: 'text', text: l }]),
        },
      },
    },
  }
  if (secret !== undefined) {
    const timestamp = Math.floor(nowMs / 1000)
    return { timestamp: String(timestamp), sign: feishuSign(timestamp, secret), ...body }
  }
  return body
}

export type DeliveryResult = { ok: true } | { ok: false; retry: boolean; why: string }

/**
 * What a webhook answer means. Feishu answers HTTP 200 with `code` (older
 * endpoints: `StatusCode`) 0 on success and a non-zero code otherwise
 * (11232 frequency limited, 19021 signature refused, …). A body Feishu calls
 * bad (HTTP 400/413 or its bad-request codes) is dropped, as the same body can
 * never pass; everything else (5xx, 429, a refused signature after a clock
 * step or while the secret is being rotated) is retried: a late alert is
 * better than a lost one.
 */
export function classifyResponse(status: number, bodyText: string): DeliveryResult {
  let code: number | undefined
  let msg = ''
  try {
    const j = JSON.parse(bodyText) as Record<string, unknown>
    const c = j.code ?? j.StatusCode
    if (typeof c === 'number') code = c
    msg = String(j.msg ?? j.StatusMessage ?? '')
  } catch {
    // Not JSON: judged by the HTTP status alone.
  }
  const why = `HTTP ${status}${code === undefined ? '' : ` code ${code}`}${msg ? ` ${msg}` : ''}`
  if (status >= 200 && status < 300 && (code === undefined || code === 0)) return { ok: true }
  if (status === 400 || status === 413 || (code !== undefined && BAD_BODY_CODES.has(code)))
    return { ok: false, retry: false, why }
  return { ok: false, retry: true, why }
}
