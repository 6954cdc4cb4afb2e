import { describe, expect, it } from 'vitest'
import { backoffDelay, defaultReconnect } from './backoff.js'

describe('backoffDelay', () => {
  it('grows by the factor, is capped, and jitters within [d/2, d]', () => {
    const o = { ...defaultReconnect, initialDelayMs: 100, maxDelayMs: 1000, factor: 2 }
    expect(backoffDelay(o, 0, () => 1)).toBe(100)
    expect(backoffDelay(o, 0, () => 0)).toBe(50)
    expect(backoffDelay(o, 3, () => 1)).toBe(800)
    expect(backoffDelay(o, 10, () => 1)).toBe(1000)
  })
})
