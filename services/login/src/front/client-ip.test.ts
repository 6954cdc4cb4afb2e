import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { ClientIpResolver } from './client-ip.js'

const req = (peer: string, xff?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage

describe('ClientIpResolver', () => {
  const behind = new ClientIpResolver(['10.0.0.0/8', '2001:db8:1::/48'])

  it('believes X-Forwarded-For only from a trusted proxy, walking from the right', () => {
    const cases: [string, string | string[] | undefined, string][] = [
      ['198.51.100.1', '203.0.113.5', '198.51.100.1'], // untrusted peer: header ignored
      ['::ffff:198.51.100.1', '203.0.113.5', '198.51.100.1'],
      ['10.1.2.3', undefined, '10.1.2.3'],
      ['10.1.2.3', '203.0.113.5', '203.0.113.5'],
      ['::ffff:10.1.2.3', '203.0.113.5', '203.0.113.5'],
      ['10.1.2.3', '1.1.1.1, 203.0.113.5', '203.0.113.5'], // a prepended hop is not believed
      ['10.1.2.3', '203.0.113.5, 10.9.9.9', '203.0.113.5'], // two trusted proxies
      ['10.1.2.3', ['1.1.1.1', '203.0.113.5, 10.9.9.9'], '203.0.113.5'], // repeated header
      ['10.1.2.3', '10.7.7.7, 10.9.9.9', '10.7.7.7'], // all trusted: the farthest
      ['10.1.2.3', '203.0.113.5:4711', '203.0.113.5'],
      ['10.1.2.3', '[2001:db8:9::7]:443', '2001:db8:9::7'],
      ['2001:db8:1::2', '2001:db8:9::7', '2001:db8:9::7'],
      ['10.1.2.3', 'unknown', '10.1.2.3'], // malformed: the last trusted address
      ['10.1.2.3', '203.0.113.5, garbage', '10.1.2.3'],
      ['10.1.2.3', '', '10.1.2.3'],
    ]
    for (const [peer, xff, want] of cases) expect(behind.of(req(peer, xff)), `${peer} ${xff}`).toBe(want)
  })

  it('ignores the header entirely with no trusted proxies', () => {
    expect(new ClientIpResolver([]).of(req('10.1.2.3', '203.0.113.5'))).toBe('10.1.2.3')
  })
})
