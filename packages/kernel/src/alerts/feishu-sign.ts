import { createHmac } from 'node:crypto'

/**
 * Feishu (Lark) custom-bot signature: HMAC-SHA256 keyed with
 * `timestamp + "\n" + secret` over an empty message, base64. The timestamp is
 * Unix seconds, sent as a string beside the signature; Feishu refuses a
 * timestamp more than an hour from its own clock, so every attempt re-signs.
 */
export function feishuSign(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64')
}
