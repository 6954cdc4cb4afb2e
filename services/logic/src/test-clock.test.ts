import { ManualClock } from '@tessera/kernel'
import { describe, expect, it } from 'vitest'
import { logicClock, OffsetClock } from './test-clock.js'

describe('logicClock', () => {
  it('is the system clock (undefined) without an offset, whatever NODE_ENV says', () => {
    expect(logicClock({ testClock: { offsetMs: 0 } }, { NODE_ENV: 'production' })).toBeUndefined()
  })

  it('refuses an offset unless NODE_ENV is test', () => {
    for (const env of ['production', 'development', undefined])
      expect(() => logicClock({ testClock: { offsetMs: 86_400_000 } }, { NODE_ENV: env })).toThrow(
        expect.objectContaining({ code: 'LOGIC_TEST_CLOCK_REFUSED' }),
      )
    const c = logicClock({ testClock: { offsetMs: 86_400_000 } }, { NODE_ENV: 'test' })
    expect(c).toBeInstanceOf(OffsetClock)
    expect(Math.abs(c!.now() - Date.now() - 86_400_000)).toBeLessThan(60_000)
  })

  it('moves wall time only: the monotonic time driving the wheel is untouched', () => {
    const inner = new ManualClock(1000)
    const c = new OffsetClock(-500, inner)
    inner.advance(10)
    expect(c.now()).toBe(510)
    expect(c.monotonic()).toBe(inner.monotonic())
  })
})
