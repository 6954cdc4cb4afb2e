import { describe, expect, it } from 'vitest'
import { formatAddress, parseAddress } from './address.js'
import { resolveEndpoints } from './endpoints.js'
import { defaultNetLimits, resolveNetLimits } from './limits.js'
import { defaultStacks } from './stacks.js'

describe('net limits', () => {
  it('defaults are valid and frozen', () => {
    const l = resolveNetLimits()
    expect(l).toEqual(defaultNetLimits())
    expect(Object.isFrozen(l)).toBe(true)
    expect(Object.isFrozen(l.client)).toBe(true)
    expect(() => (l.client.stacks as string[]).push('x')).toThrow()
  })

  it('overlays per session type and lists every bad key at once', () => {
    expect(
      resolveNetLimits({ client: { maxFrameBytes: 1000, preAuthMaxFrameBytes: 100 } }).client.maxFrameBytes,
    ).toBe(1000)
    let err: unknown
    try {
      resolveNetLimits({ client: { maxFrameBytes: -1 }, sweepIntervalMs: 0, bogus: 1 } as never)
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'NET_BAD_LIMITS' })
    const msg = (err as Error).message
    expect(msg).toContain('client.maxFrameBytes')
    expect(msg).toContain('sweepIntervalMs')
    expect(msg).toContain('bogus')
  })

  it('refuses a pre-auth cap above the frame cap and frames above 1 GiB (auto stack sniffing)', () => {
    expect(() =>
      resolveNetLimits({ service: { preAuthMaxFrameBytes: 2 ** 25, maxFrameBytes: 2 ** 24 } }),
    ).toThrow(/preAuthMaxFrameBytes/)
    expect(() => resolveNetLimits({ service: { maxFrameBytes: 2 ** 31 } })).toThrow(/maxFrameBytes/)
  })
})

describe('addresses and endpoints', () => {
  it('parses stack, host, port and path', () => {
    expect(parseAddress('tcp://127.0.0.1:3900')).toEqual({
      stack: 'tcp',
      host: '127.0.0.1',
      port: 3900,
      path: '/',
    })
    expect(parseAddress('ws://[::1]:3901/game')).toEqual({
      stack: 'ws',
      host: '::1',
      port: 3901,
      path: '/game',
    })
    expect(formatAddress(parseAddress('ws://[::1]:3901/game'))).toBe('ws://[::1]:3901/game')
    for (const bad of ['127.0.0.1:3900', 'tcp://host', 'tcp://h:99999', 'tcp://h:1 x'])
      expect(() => parseAddress(bad)).toThrow(expect.objectContaining({ code: 'NET_BAD_ADDRESS' }))
  })

  it('refuses a disallowed stack for a session type at config load', () => {
    const limits = resolveNetLimits()
    const stacks = defaultStacks()
    expect(
      resolveEndpoints(
        [
          { address: 'auto://0.0.0.0:3903', type: 'client' },
          { address: 'tcp://0.0.0.0:3904', type: 'service' },
          { address: 'http://0.0.0.0:3905', type: 'admin' },
        ],
        limits,
        stacks,
      ).map((e) => e.address.stack),
    ).toEqual(['auto', 'tcp', 'http'])
    expect(() =>
      resolveEndpoints([{ address: 'ws://0.0.0.0:3901', type: 'service' }], limits, stacks),
    ).toThrow(
      expect.objectContaining({
        code: 'NET_STACK_NOT_ALLOWED',
        message: expect.stringContaining('service may not use stack ws'),
      }),
    )
    expect(() => resolveEndpoints([{ address: 'tcp://0.0.0.0:1', type: 'admin' }], limits, stacks)).toThrow(
      /NET_STACK_NOT_ALLOWED|may not use/,
    )
    expect(() => resolveEndpoints([{ address: 'quic://0.0.0.0:1', type: 'client' }], limits, stacks)).toThrow(
      expect.objectContaining({ code: 'NET_UNKNOWN_STACK' }),
    )
  })
})
