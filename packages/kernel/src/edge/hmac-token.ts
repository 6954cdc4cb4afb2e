import { createHmac, timingSafeEqual } from 'node:crypto'
import { type Clock, systemClock } from '../timer/clock.js'
import { EdgeBadOptions, EdgeBadToken } from './errors.js'

/** What the edge needs from the login side: a verified user id, or a throw. */
export type VerifyToken = (token: string) => Promise<{ userId: bigint | string }>

export interface HmacTokenOptions {
  /** Shared secret, at least 32 bytes. */
  secret: Uint8Array | string
  clock?: Clock
}

const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64url')

/**
 * Signed login tokens: `v1.<payload>.<mac>`, payload = base64url of
 * `{"u":"<userId>","e":<expiry unix ms>}`, mac = base64url of
 * HMAC-SHA256(secret, "v1." + payload). Short-lived; the login service
 * issues them and the edge verifies them without a round trip.
 */
export class HmacTokens {
  private readonly secret: Buffer
  private readonly clock: Clock

  constructor(opts: HmacTokenOptions) {
    this.secret = Buffer.from(opts.secret)
    if (this.secret.length < 32) throw new EdgeBadOptions('token secret must be at least 32 bytes')
    this.clock = opts.clock ?? systemClock
  }

  sign(userId: bigint | string, ttlMs: number): string {
    const payload = b64(JSON.stringify({ u: String(userId), e: this.clock.now() + ttlMs }))
    return `v1.${payload}.${this.mac(payload)}`
  }

  /** The user id of a valid, unexpired token; EDGE_BAD_TOKEN otherwise. */
  verify(token: string): { userId: string } {
    const parts = token.split('.')
    if (parts.length !== 3 || parts[0] !== 'v1') throw new EdgeBadToken('malformed token')
    const payload = parts[1]!
    // Compare the encoded text, not decoded bytes: base64url's last character
    // has unused bits, so decoding would accept more than one spelling.
    const want = Buffer.from(this.mac(payload), 'latin1')
    const got = Buffer.from(parts[2]!, 'latin1')
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw new EdgeBadToken('bad signature')
    let body: { u?: unknown; e?: unknown }
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw new EdgeBadToken('malformed payload')
    }
    if (typeof body.u !== 'string' || typeof body.e !== 'number') throw new EdgeBadToken('malformed payload')
    if (body.e <= this.clock.now()) throw new EdgeBadToken('token expired')
    return { userId: body.u }
  }

  /** The hook the edge takes. */
  verifier(): VerifyToken {
    return async (token) => this.verify(token)
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(`v1.${payload}`).digest('base64url')
  }
}
