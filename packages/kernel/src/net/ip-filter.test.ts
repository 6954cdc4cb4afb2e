import { describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { AcceptLimiter } from './accept-limiter.js'
import { IpFilter } from './ip-filter.js'
import { TokenBucket } from './token-bucket.js'

describe('IpFilter', () => {
  it('allows everything with no rules', () => {
    expect(new IpFilter().allows('203.0.113.9')).toBe(true)
  })

  it('matches IPv4 and IPv6 CIDR, single addresses and v4-mapped v6', () => {
    const f = new IpFilter({ deny: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] })
    expect(f.allows('10.1.2.3')).toBe(false)
    expect(f.allows('::ffff:10.9.9.9')).toBe(false)
    expect(f.allows('11.0.0.1')).toBe(true)
    expect(f.allows('2001:db8:1::5')).toBe(false)
    expect(f.allows('2001:db9::1')).toBe(true)
    expect(f.allows('192.0.2.7')).toBe(false)
    expect(f.allows('192.0.2.8')).toBe(true)
  })

  it('with an allow list admits only matches, and deny wins over allow', () => {
    const f = new IpFilter({ allow: ['127.0.0.0/8', '::1'], deny: ['127.0.0.9'] })
    expect(f.allows('127.0.0.1')).toBe(true)
    expect(f.allows('::1')).toBe(true)
    expect(f.allows('127.0.0.9')).toBe(false)
    expect(f.allows('8.8.8.8')).toBe(false)
    expect(f.allows('not-an-ip')).toBe(false)
  })

  it('swaps the whole snapshot; a bad rule keeps the old one', () => {
    const f = new IpFilter({ deny: ['1.2.3.4'] })
    const before = f.rules
    expect(() => f.replace({ deny: ['1.2.3.4/33'] })).toThrow(
      expect.objectContaining({ code: 'NET_BAD_IP_RULE' }),
    )
    expect(() => f.replace({ deny: ['nope'] })).toThrow(/nope/)
    expect(f.rules).toBe(before)
    expect(f.allows('1.2.3.4')).toBe(false)
    f.replace({ deny: ['5.6.7.8'] })
    expect(f.allows('1.2.3.4')).toBe(true)
    expect(f.allows('5.6.7.8')).toBe(false)
    expect(Object.isFrozen(f.rules)).toBe(true)
  })
})

describe('TokenBucket and AcceptLimiter', () => {
  it('allows a burst, then the refill rate', () => {
    const clock = new ManualClock()
    const b = new TokenBucket(3, clock.monotonic())
    const take = () => b.take(10, 3, clock.monotonic())
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false])
    clock.advance(100)
    expect([take(), take()]).toEqual([true, false])
  })

  it('limits accepts per IP and forgets refilled IPs', () => {
    const clock = new ManualClock()
    const a = new AcceptLimiter(1, 2, 10, clock)
    expect([a.admit('1.1.1.1'), a.admit('1.1.1.1'), a.admit('1.1.1.1')]).toEqual([true, true, false])
    expect(a.admit('2.2.2.2')).toBe(true)
    clock.advance(5000)
    a.sweep()
    expect(a.tracked).toBe(0)
    expect(a.admit('1.1.1.1')).toBe(true)
  })

  it('admits untracked past its table size instead of growing', () => {
    const clock = new ManualClock()
    const a = new AcceptLimiter(1, 1, 2, clock)
    expect(a.admit('1.0.0.1') && a.admit('1.0.0.2') && a.admit('1.0.0.3')).toBe(true)
    expect(a.tracked).toBe(2)
    expect(a.untracked).toBe(1)
  })
})
