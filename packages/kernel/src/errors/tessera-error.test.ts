import { describe, expect, it } from 'vitest'
import { defineError, errorRegistry, TesseraError, toTesseraError } from './index.js'

describe('defineError', () => {
  const Sample = defineError<[number, number]>('TEST_SAMPLE_TOO_BIG', 'value %d > max %d')

  it('formats the template and carries the code', () => {
    const e = new Sample(10, 5)
    expect(e).toBeInstanceOf(TesseraError)
    expect(e.code).toBe('TEST_SAMPLE_TOO_BIG')
    expect(e.message).toBe('value 10 > max 5')
    expect(Sample.is(e)).toBe(true)
    expect(Sample.is(new Error('x'))).toBe(false)
  })

  it('keeps cause and details', () => {
    const cause = new Error('root')
    const e = Sample.with({ cause, details: { field: 'hp' } }, 1, 0)
    expect(e.cause).toBe(cause)
    expect(e).toBeInstanceOf(Sample)
    expect(e.code).toBe('TEST_SAMPLE_TOO_BIG')
    expect(e.details).toEqual({ field: 'hp' })
  })

  it('refuses a code defined twice or badly shaped', () => {
    expect(() => defineError('TEST_SAMPLE_TOO_BIG', 'x')).toThrow(/defined twice/)
    expect(() => defineError('lowercase', 'x')).toThrow(/bad error code/)
    expect(errorRegistry.has('TEST_SAMPLE_TOO_BIG')).toBe(true)
  })

  it('normalises anything thrown at a boundary', () => {
    const e = toTesseraError('boom')
    expect(e.code).toBe('INTERNAL_ERROR')
    expect(e.message).toBe('boom')
    const t = new Sample(1, 2)
    expect(toTesseraError(t)).toBe(t)
  })
})
