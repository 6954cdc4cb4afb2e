import { describe, expect, it } from 'vitest'
import { parseSourceIps } from './source-ips.js'

describe('parseSourceIps', () => {
  it.each([
    [
      '127.0.0.2-9',
      [
        '127.0.0.2',
        '127.0.0.3',
        '127.0.0.4',
        '127.0.0.5',
        '127.0.0.6',
        '127.0.0.7',
        '127.0.0.8',
        '127.0.0.9',
      ],
    ],
    ['127.0.0.2-127.0.0.3', ['127.0.0.2', '127.0.0.3']],
    ['10.0.0.1, 10.0.0.7-8', ['10.0.0.1', '10.0.0.7', '10.0.0.8']],
    ['192.168.1.5', ['192.168.1.5']],
  ])('%s', (spec, want) => expect(parseSourceIps(spec)).toEqual(want))

  it.each([
    ['127.0.0.9-2', /ends before/],
    ['127.0.0.1-127.0.1.2', /last number only/],
    ['127.0.0.1-300', /last number only/],
    ['::1', /not an IPv4/],
    ['1.2.3.4,,1.2.3.5', /empty item/],
  ])('refuses %s', (spec, msg) => expect(() => parseSourceIps(spec)).toThrow(msg))
})
