import { describe, expect, it } from 'vitest'
import { IdBadId, IdBadMachineId } from './errors.js'
import {
  composeSnowflake,
  DEFAULT_SNOWFLAKE_EPOCH_MS,
  decomposeSnowflake,
  MAX_MACHINE_ID,
  MAX_SEQUENCE,
  MAX_SNOWFLAKE,
  MAX_SNOWFLAKE_TIMESTAMP,
  markForTimestamp,
  parseSnowflake,
  timestampOfMark,
} from './snowflake-layout.js'

describe('snowflake layout', () => {
  it('places timestamp, machine and sequence in 41 + 10 + 12 bits under a zero sign bit', () => {
    expect(composeSnowflake(1, 0, 0)).toBe(1n << 22n)
    expect(composeSnowflake(0, 1, 0)).toBe(1n << 12n)
    expect(composeSnowflake(0, 0, 1)).toBe(1n)
    expect(composeSnowflake(MAX_SNOWFLAKE_TIMESTAMP, MAX_MACHINE_ID, MAX_SEQUENCE)).toBe(MAX_SNOWFLAKE)
    expect(MAX_SNOWFLAKE).toBe(2n ** 63n - 1n)
  })

  it('decomposes what it composes, for bigint and decimal string', () => {
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [123_456_789, 0b1010101010, 4095],
      [MAX_SNOWFLAKE_TIMESTAMP, MAX_MACHINE_ID, 0],
    ]
    for (const [ts, machine, seq] of cases) {
      const id = composeSnowflake(ts, machine, seq)
      const want = { timestampMs: ts + DEFAULT_SNOWFLAKE_EPOCH_MS, machineId: machine, sequence: seq }
      expect(decomposeSnowflake(id)).toEqual(want)
      expect(decomposeSnowflake(id.toString())).toEqual(want)
      expect(decomposeSnowflake(id, 0).timestampMs).toBe(ts)
    }
  })

  it('rejects fields out of range', () => {
    expect(() => composeSnowflake(-1, 0, 0)).toThrow(/timestamp/)
    expect(() => composeSnowflake(MAX_SNOWFLAKE_TIMESTAMP + 1, 0, 0)).toThrow(/timestamp/)
    expect(() => composeSnowflake(0, 1024, 0)).toThrow(IdBadMachineId)
    expect(() => composeSnowflake(0, 0, 4096)).toThrow(/sequence/)
  })

  it('parses only canonical decimal strings within 0..2^63-1', () => {
    expect(parseSnowflake('0')).toBe(0n)
    expect(parseSnowflake(MAX_SNOWFLAKE.toString())).toBe(MAX_SNOWFLAKE)
    for (const bad of [
      '',
      '-1',
      '+1',
      '01',
      '1.0',
      '1e3',
      ' 1',
      '0x10',
      (MAX_SNOWFLAKE + 1n).toString(),
      '1'.repeat(20),
    ]) {
      expect(() => parseSnowflake(bad), bad).toThrow(IdBadId)
    }
    expect(() => decomposeSnowflake(-1n)).toThrow(IdBadId)
    expect(() => decomposeSnowflake(1n << 63n)).toThrow(IdBadId)
  })

  it('makes marks that cover every id of their millisecond, whatever the machine', () => {
    const mark = markForTimestamp(1000)
    expect(composeSnowflake(1000, MAX_MACHINE_ID, MAX_SEQUENCE)).toBe(mark)
    expect(composeSnowflake(1001, 0, 0)).toBe(mark + 1n)
    expect(timestampOfMark(mark)).toBe(1000)
    expect(timestampOfMark(composeSnowflake(1000, 0, 0))).toBe(1000)
  })
})
