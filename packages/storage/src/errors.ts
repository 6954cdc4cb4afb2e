import { defineError } from '@tessera/kernel'

// Every error the storage layer throws on purpose. Codes are stable; see docs/storage.md.

/** A value does not fit its column (range, length, type), caught before the database. */
export const StorageBadValue = defineError<[entity: string, field: string, reason: string]>(
  'STORAGE_BAD_VALUE',
  'storage: %s.%s: %s',
)
/** An entity declaration is invalid (bad identifier, missing primary key...). */
export const StorageBadEntity = defineError<[entity: string, reason: string]>(
  'STORAGE_BAD_ENTITY',
  'storage: entity %s: %s',
)
/** Primary key columns are fixed once a row exists. */
export const StoragePrimaryKeyImmutable = defineError<[entity: string, field: string]>(
  'STORAGE_PRIMARY_KEY_IMMUTABLE',
  'storage: %s.%s is part of the primary key and cannot change',
)
/** A write carried an owner epoch older than the row's: another process owns the row now. */
export const StorageStaleEpoch = defineError<[entity: string, key: string, ours: number, theirs: number]>(
  'STORAGE_STALE_EPOCH',
  'storage: %s %s: write with owner epoch %d rejected, the row belongs to epoch %d',
)
/** Same epoch but the database already holds a newer version of the row. */
export const StorageVersionConflict = defineError<
  [entity: string, key: string, ours: number, theirs: number]
>('STORAGE_VERSION_CONFLICT', 'storage: %s %s: write of version %d rejected, the database holds version %d')
/** The database did not answer after the configured retries. */
export const StorageUnavailable = defineError<[what: string]>(
  'STORAGE_UNAVAILABLE',
  'storage: database unavailable: %s',
)
/** The pool's wait queue is full: the caller must back off. */
export const StorageQueueFull = defineError<[limit: number]>(
  'STORAGE_QUEUE_FULL',
  'storage: connection queue full (%d waiting)',
)
/** The live schema does not match the entity declarations (cluster mode verifies only). */
export const StorageSchemaMismatch = defineError<[database: string, problems: string]>(
  'STORAGE_SCHEMA_MISMATCH',
  'storage: schema of %s does not match the entities (run the migration): %s',
)
/** The storage was used before start() or after stop(). */
export const StorageNotRunning = defineError<[state: string]>(
  'STORAGE_NOT_RUNNING',
  'storage: not running (%s)',
)
/** Bad options passed to the storage. */
export const StorageBadConfig = defineError<[reason: string]>('STORAGE_BAD_CONFIG', 'storage: bad config: %s')
/** An SQL error (not a network failure): the statement and data went to the error dump. */
export const StorageSqlError = defineError<[table: string, message: string]>(
  'STORAGE_SQL_ERROR',
  'storage: statement on %s failed and was dumped: %s',
)
/** storage.group() was used wrongly (an async body, rows of different owners); nothing of the group was kept. */
export const StorageBadGroup = defineError<[reason: string]>('STORAGE_BAD_GROUP', 'storage: bad group: %s')
/**
 * Another row of the same group was refused (stale epoch, version conflict
 * or SQL error): the group's transaction rolled back, so this row was not
 * written either (it is in the error dump with the rest of the group).
 */
export const StorageGroupRefused = defineError<[entity: string, key: string, reason: string]>(
  'STORAGE_GROUP_REFUSED',
  'storage: %s %s: not written, another row of its group was refused: %s',
)
