import { describe, expect, it } from 'vitest'
import { expToNext, gainExp, MAX_LEVEL } from './exp.js'

describe('gainExp', () => {
  it('levels up at 100 × (level + 1) and carries the rest over, several levels at once', () => {
    expect(expToNext(0)).toBe(100)
    expect(gainExp({ level: 0, exp: 0 }, 99)).toEqual({ level: 0, exp: 99 })
    expect(gainExp({ level: 0, exp: 99 }, 1)).toEqual({ level: 1, exp: 0 })
    expect(gainExp({ level: 0, exp: 0 }, 650)).toEqual({ level: 3, exp: 50 })
    expect(gainExp({ level: 5, exp: 10 }, 590)).toEqual({ level: 6, exp: 0 })
  })

  it('stops at MAX_LEVEL with exp 0 (the surplus is dropped)', () => {
    expect(gainExp({ level: MAX_LEVEL - 1, exp: 0 }, expToNext(MAX_LEVEL - 1) + 500)).toEqual({
      level: MAX_LEVEL,
      exp: 0,
    })
    expect(gainExp({ level: MAX_LEVEL, exp: 0 }, 10_000)).toEqual({ level: MAX_LEVEL, exp: 0 })
  })
})
