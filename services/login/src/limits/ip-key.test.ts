import { describe, expect, it } from 'vitest'
import { ipKey } from './ip-key.js'

describe('ipKey', () => {
  it('keeps IPv4 (also IPv4-mapped IPv6) as is', () => {
    expect(ipKey('203.0.113.7', 64)).toBe('203.0.113.7')
    expect(ipKey('::ffff:203.0.113.7', 64)).toBe('203.0.113.7')
  })
  it('counts IPv6 per prefix, so one subscriber cannot rotate through its /64', () => {
    const a = ipKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64)
    expect(a).toBe('2001:db8:1:2:0:0:0:0/64')
    expect(ipKey('2001:db8:1:2::1', 64)).toBe(a)
    expect(ipKey('2001:db8:1:3::1', 64)).not.toBe(a)
    expect(ipKey('2001:db8:1:2:8000::1', 65)).toBe('2001:db8:1:2:8000:0:0:0/65')
    expect(ipKey('2001:db8::1', 128)).toBe('2001:db8:0:0:0:0:0:1/128')
  })
})
