import { defineError } from '../errors/index.js'

// Snowflake generator and store.
export const IdBadOption = defineError<[string, string, string]>('ID_BAD_OPTION', 'id option %s = %s: %s')
export const IdBadMachineId = defineError<[string]>(
  'ID_BAD_MACHINE_ID',
  'snowflake machine id %s is not an integer in 0..1023',
)
export const IdBadId = defineError<[string, string]>('ID_BAD_ID', 'not a snowflake id: %s (%s)')
export const IdClockBehind = defineError<[number, number, string]>(
  'ID_CLOCK_BEHIND',
  'snowflake ids would run %d ms ahead of the wall clock (max %d ms): %s',
)
export const IdReservationPending = defineError<[string, string]>(
  'ID_RESERVATION_PENDING',
  'snowflake reservation exhausted: the next id (%s) would pass the durable high-water mark (%s) ' +
    'before the store saved a new one; await ready()',
)
export const IdExhausted = defineError<[string]>(
  'ID_EXHAUSTED',
  'snowflake 41-bit timestamp space exhausted (epoch %s + 2^41 ms)',
)
export const IdStoreFailed = defineError<[string]>('ID_STORE_FAILED', 'snowflake store failed: %s')
export const IdStoreCorrupt = defineError<[string, string]>(
  'ID_STORE_CORRUPT',
  'snowflake store file %s is corrupt: %s',
)
export const IdClosed = defineError<[]>('ID_CLOSED', 'snowflake generator is closed')
export const IdLeaseUnconfirmed = defineError<[number, string]>(
  'ID_LEASE_UNCONFIRMED',
  'machine id %d: the center has not confirmed this process holds it since %s (the process may have hung ' +
    'and been replaced); no id is minted until it does',
)

// Version numbers.
export const IdBadVersion = defineError<[string, string]>(
  'ID_BAD_VERSION',
  'bad version %j: %s (expected MAJOR.MINOR.REVISION with an optional -alpha, -beta or -preview suffix)',
)
export const IdVersionRange = defineError<[string, string, number]>(
  'ID_VERSION_RANGE',
  'version %s %s out of range 0..%d',
)

// Tokens.
export const IdBadTokenSize = defineError<[string]>(
  'ID_BAD_TOKEN_SIZE',
  'token size %s is not an integer in 1..1024',
)
