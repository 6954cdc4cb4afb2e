import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ALERT_SEVERITIES } from './alert.js'
import { AlertsBadConfig } from './errors.js'

/**
 * `alerts.feishu` config keys (docs/alerts.md). The secret is given by
 * reference: `secret` from the environment (TESSERA_ALERTS__FEISHU__SECRET)
 * or `secretFile`, a 0600 file as tessera-keygen writes it.
 */
export const feishuAlertsSchema = z.strictObject({
  /** The custom bot's webhook URL; https, or http only to a loopback address. */
  url: z.string(),
  secret: z.string().min(1).optional(),
  secretFile: z.string().min(1).optional(),
  /** Directory of the persistent retry queue (one file per alert). */
  queueDir: z.string().min(1),
  /** Alerts below this are not sent. */
  minSeverity: z.enum(ALERT_SEVERITIES as [string, ...string[]]).default('warning'),
  /** Same-key alerts within this window are sent once. */
  dedupWindowMs: z
    .number()
    .int()
    .min(0)
    .default(10 * 60_000),
  /** Send limits (Feishu's own per-bot limits are 5/s and 100/min). */
  perSecond: z.number().int().min(1).max(100).default(5),
  perMinute: z.number().int().min(1).max(6000).default(30),
  /** Retry backoff: base, doubling per failed attempt, capped. */
  retryBaseMs: z.number().int().min(1).default(1000),
  retryMaxMs: z
    .number()
    .int()
    .min(1)
    .default(5 * 60_000),
  /** A queued alert older than this is dropped (logged) instead of sent late. */
  maxAgeMs: z
    .number()
    .int()
    .min(1)
    .default(24 * 3600_000),
  /** Queue cap; past it the oldest queued alert is dropped (logged). */
  maxQueued: z.number().int().min(1).default(1000),
  requestTimeoutMs: z.number().int().min(1).default(10_000),
  /** Detail text is cut to this many characters (Feishu refuses bodies over 20 KB). */
  maxTextChars: z.number().int().min(100).max(15_000).default(4000),
})

export const alertsConfigSchema = z.strictObject({ feishu: feishuAlertsSchema.optional() })

export type FeishuAlertsInput = z.input<typeof feishuAlertsSchema>
export type FeishuAlertsConfig = z.output<typeof feishuAlertsSchema> & { secret: string | undefined }

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** Validate, read the secret file, check the URL; every problem is ALERTS_BAD_CONFIG. */
export function resolveFeishuConfig(input: FeishuAlertsInput): FeishuAlertsConfig {
  const parsed = feishuAlertsSchema.safeParse(input)
  if (!parsed.success)
    throw new AlertsBadConfig(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    )
  const c = parsed.data
  let url: URL
  try {
    url = new URL(c.url)
  } catch {
    throw new AlertsBadConfig(`url ${JSON.stringify(c.url)} is not a URL`)
  }
  // The URL itself is a bearer credential; only loopback may see it in clear.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new AlertsBadConfig(
      `url must be https (http only to a loopback address), got ${url.protocol}//${url.host}`,
    )
  if (c.perSecond > c.perMinute) throw new AlertsBadConfig('perSecond must not exceed perMinute')
  if (c.secret !== undefined && c.secretFile !== undefined)
    throw new AlertsBadConfig('give secret or secretFile, not both')
  let secret = c.secret
  if (c.secretFile !== undefined) {
    try {
      secret = readFileSync(c.secretFile, 'utf8').replace(/\r?\n$/, '')
    } catch (err) {
      throw AlertsBadConfig.with({ cause: err }, `secretFile ${c.secretFile}: ${(err as Error).message}`)
    }
    if (!secret) throw new AlertsBadConfig(`secretFile ${c.secretFile} is empty`)
  }
  return { ...c, secret }
}
