import { describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { HmacTokens } from './hmac-token.js'

const secret = 'an-edge-test-secret-of-32-bytes!!'

describe('HmacTokens', () => {
  it('verifies a token it signed and returns the user id', () => {
    const t = new HmacTokens({ secret })
    expect(t.verify(t.sign(123456789012345678n, 60_000))).toEqual({ userId: '123456789012345678' })
  })

  it('refuses a token signed with another secret, a changed payload, or garbage', () => {
    const a = new HmacTokens({ secret })
    const b = new HmacTokens({ secret: `${secret}?` })
    const tok = b.sign('7', 60_000)
    expect(() => a.verify(tok)).toThrow(/bad signature/)
    const [v, , mac] = a.sign('7', 60_000).split('.')
    const forged = `${v}.${Buffer.from(JSON.stringify({ u: '8', e: Date.now() + 60_000 })).toString('base64url')}.${mac}`
    expect(() => a.verify(forged)).toThrow(/bad signature/)
    for (const g of ['', 'v1', 'v1..', 'v2.a.b', 'x.y.z.w'])
      expect(() => a.verify(g)).toThrow(/login token refused/)
  })

  it('refuses every other spelling of the MAC, including its last character', () => {
    const t = new HmacTokens({ secret })
    const good = t.sign('7', 60_000)
    const last = good.at(-1)!
    // Each of these differs from the canonical MAC text; some decode to the same bytes.
    for (const ch of 'AEIMQUYcgkosw048') {
      if (ch === last) continue
      expect(() => t.verify(good.slice(0, -1) + ch)).toThrow(/bad signature/)
    }
  })

  it('refuses an expired token', () => {
    const clock = new ManualClock()
    const t = new HmacTokens({ secret, clock })
    const tok = t.sign('1', 1000)
    expect(t.verify(tok).userId).toBe('1')
    clock.advance(1000)
    expect(() => t.verify(tok)).toThrow(/expired/)
  })

  it('wants a secret of at least 32 bytes', () => {
    expect(() => new HmacTokens({ secret: 'short' })).toThrow(/32 bytes/)
  })
})
