#!/usr/bin/env node
// Post-failure notification of the pipeline (jenkins/Jenkinsfile, post { failure }):
// one text message to the alert webhook, a Feishu (Lark) custom bot.
//
//   TESSERA_ALERT_WEBHOOK=https://open.feishu.cn/open-apis/bot/v2/hook/... \
//   TESSERA_ALERT_SECRET=... node jenkins/notify-failure.mjs
//
// Plain JavaScript with no dependencies on purpose: it must work when the
// install stage is what failed. The message names the job, build, branch,
// failed stage (when Jenkins says) and the build URL. Without a webhook it
// says so and exits 0, so a pipeline without alerts configured still reports
// its own failure rather than a notifier error.
import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'

/**
 * Feishu's custom-bot signature: HMAC-SHA256 keyed by "<timestamp>\n<secret>"
 * over an empty message, base64 (open.feishu.cn bot "signature verification").
 * @param {string} secret
 * @param {number} timestampSec
 */
export function feishuSign(secret, timestampSec) {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64')
}

/**
 * The request body for a text message, signed when a secret is given.
 * @param {string} text
 * @param {string | undefined} secret
 * @param {number} nowMs
 */
export function feishuTextBody(text, secret, nowMs) {
  const body = { msg_type: 'text', content: { text } }
  if (!secret) return body
  const timestamp = Math.floor(nowMs / 1000)
  return { timestamp: String(timestamp), sign: feishuSign(secret, timestamp), ...body }
}

/**
 * The failure message from Jenkins's environment.
 * @param {Record<string, string | undefined>} env
 */
export function failureText(env) {
  const job = env.JOB_NAME ?? 'tessera'
  const build = env.BUILD_NUMBER ? ` #${env.BUILD_NUMBER}` : ''
  const branch = env.BRANCH_NAME ? ` on ${env.BRANCH_NAME}` : ''
  const stage = env.STAGE_NAME ? `, stage ${env.STAGE_NAME}` : ''
  const url = env.BUILD_URL ? `\n${env.BUILD_URL}` : ''
  return `[pipeline failed] ${job}${build}${branch}${stage}${url}`
}

/**
 * Post one text message; throws when the webhook refuses it (HTTP error or a
 * non-zero `code` in Feishu's answer).
 * @param {{ url: string, secret?: string, text: string, nowMs?: number, timeoutMs?: number }} o
 */
export async function sendFeishuText(o) {
  const res = await fetch(o.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(feishuTextBody(o.text, o.secret, o.nowMs ?? Date.now())),
    signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
  })
  const answer = await res.text()
  let code = res.ok ? 0 : res.status
  try {
    const json = JSON.parse(answer)
    code = json.code ?? json.StatusCode ?? code
  } catch {}
  if (!res.ok || code !== 0) throw new Error(`webhook answered HTTP ${res.status}: ${answer.slice(0, 300)}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.TESSERA_ALERT_WEBHOOK
  const text = failureText(process.env)
  if (!url) {
    console.error(`notify: TESSERA_ALERT_WEBHOOK is not set; not sent: ${text}`)
  } else {
    try {
      await sendFeishuText({ url, secret: process.env.TESSERA_ALERT_SECRET || undefined, text })
      console.error('notify: failure reported to the alert webhook')
    } catch (err) {
      console.error(`notify: could not report the failure: ${err.message}`)
      process.exitCode = 1
    }
  }
}
