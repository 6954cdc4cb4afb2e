import { IdBadId, IdBadMachineId } from './errors.js'

/**
 * Bit layout of a snowflake id (a 64-bit signed integer whose sign bit is
 * always 0, so ids sort the same as bigint, as int64 in MySQL and as decimal
 * strings of equal length):
 *
 * ```
 *  63 | 62 ........ 22 | 21 ..... 12 | 11 ..... 0
 *   0 | timestamp (41) | machine (10) | sequence (12)
 * ```
 * The timestamp counts milliseconds since a custom epoch, which gives 2^41 ms
 * ≈ 69.7 years of ids from the epoch.
 */
export const SNOWFLAKE_TIMESTAMP_BITS = 41
export const SNOWFLAKE_MACHINE_BITS = 10
export const SNOWFLAKE_SEQUENCE_BITS = 12

export const MAX_SNOWFLAKE_TIMESTAMP = 2 ** SNOWFLAKE_TIMESTAMP_BITS - 1
export const MAX_MACHINE_ID = 2 ** SNOWFLAKE_MACHINE_BITS - 1
export const MAX_SEQUENCE = 2 ** SNOWFLAKE_SEQUENCE_BITS - 1
/** Largest possible id, 2^63 - 1. */
export const MAX_SNOWFLAKE = (1n << 63n) - 1n

/** Default epoch: 2024-01-01T00:00:00Z, in Unix milliseconds. */
export const DEFAULT_SNOWFLAKE_EPOCH_MS = Date.UTC(2024, 0, 1)

const TIMESTAMP_SHIFT = BigInt(SNOWFLAKE_MACHINE_BITS + SNOWFLAKE_SEQUENCE_BITS)
const MACHINE_SHIFT = BigInt(SNOWFLAKE_SEQUENCE_BITS)

/** The three fields of a snowflake id; `timestampMs` is Unix milliseconds (epoch added back). */
export interface SnowflakeParts {
  timestampMs: number
  machineId: number
  sequence: number
}

export function checkMachineId(machineId: number): number {
  if (!Number.isInteger(machineId) || machineId < 0 || machineId > MAX_MACHINE_ID) {
    throw new IdBadMachineId(String(machineId))
  }
  return machineId
}

/**
 * Build an id from a timestamp relative to the epoch, a machine id and a
 * sequence. The generator does not call this per id (it caches the
 * timestamp part per millisecond); tools and tests do.
 */
export function composeSnowflake(relativeMs: number, machineId: number, sequence: number): bigint {
  if (!Number.isInteger(relativeMs) || relativeMs < 0 || relativeMs > MAX_SNOWFLAKE_TIMESTAMP) {
    throw new IdBadId(String(relativeMs), 'timestamp outside 0..2^41-1 ms since the epoch')
  }
  checkMachineId(machineId)
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MAX_SEQUENCE) {
    throw new IdBadId(String(sequence), 'sequence outside 0..4095')
  }
  return (BigInt(relativeMs) << TIMESTAMP_SHIFT) | (BigInt(machineId) << MACHINE_SHIFT) | BigInt(sequence)
}

/** Split an id (bigint or decimal string) into its fields; `epochMs` must be the generator's. */
export function decomposeSnowflake(
  id: bigint | string,
  epochMs: number = DEFAULT_SNOWFLAKE_EPOCH_MS,
): SnowflakeParts {
  const v = typeof id === 'string' ? parseSnowflake(id) : checkId(id)
  return {
    timestampMs: Number(v >> TIMESTAMP_SHIFT) + epochMs,
    machineId: Number((v >> MACHINE_SHIFT) & BigInt(MAX_MACHINE_ID)),
    sequence: Number(v & BigInt(MAX_SEQUENCE)),
  }
}

const DECIMAL = /^(0|[1-9][0-9]{0,18})$/

/**
 * Parse the canonical decimal form of an id (as produced by
 * `Snowflake.nextString()`): digits only, no sign, no leading zeros, at most
 * 2^63 - 1. Anything else is `ID_BAD_ID`.
 */
export function parseSnowflake(text: string): bigint {
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new IdBadId(JSON.stringify(text), 'expected a canonical decimal string')
  }
  return checkId(BigInt(text))
}

function checkId(id: bigint): bigint {
  if (typeof id !== 'bigint' || id < 0n || id > MAX_SNOWFLAKE) {
    throw new IdBadId(String(id), 'expected a bigint in 0..2^63-1')
  }
  return id
}

/**
 * High-water marks are ids: the mark for timestamp `ts` (relative to the
 * epoch) is the largest id any machine can issue in that millisecond, so
 * "every issued id <= mark" holds whatever the machine id.
 */
export function markForTimestamp(relativeMs: number): bigint {
  return ((BigInt(relativeMs) + 1n) << TIMESTAMP_SHIFT) - 1n
}

/** The millisecond (relative to the epoch) a high-water mark covers. */
export function timestampOfMark(mark: bigint): number {
  return Number(checkId(mark) >> TIMESTAMP_SHIFT)
}

/** Bits of the machine id in place, to OR into the per-millisecond base. */
export function machineBits(machineId: number): bigint {
  return BigInt(checkMachineId(machineId)) << MACHINE_SHIFT
}

/** The timestamp part of an id, shifted in place. */
export function timestampBits(relativeMs: number): bigint {
  return BigInt(relativeMs) << TIMESTAMP_SHIFT
}
