import { describe, expect, it } from 'vitest'
import { IdBadTokenSize } from './errors.js'
import { DEFAULT_TOKEN_SIZE, newToken } from './token.js'

describe('newToken', () => {
  it('makes url-safe tokens of the asked length, 21 by default', () => {
    expect(newToken()).toHaveLength(DEFAULT_TOKEN_SIZE)
    expect(newToken(8)).toHaveLength(8)
    expect(newToken(64)).toMatch(/^[A-Za-z0-9_-]{64}$/)
  })

  it('does not repeat and uses the whole alphabet', () => {
    const seen = new Set<string>()
    const chars = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const t = newToken()
      seen.add(t)
      for (const c of t) chars.add(c)
    }
    expect(seen.size).toBe(20_000)
    expect(chars.size).toBe(64)
  })

  it('rejects sizes that are not integers in 1..1024', () => {
    for (const bad of [0, -1, 1.5, 1025, Number.NaN]) expect(() => newToken(bad)).toThrow(IdBadTokenSize)
  })
})
