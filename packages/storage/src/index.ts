// Public surface of @tessera/storage.

export { DbClient, type DbOptions, type RetryOptions } from './db/db-client.js'
export type { ClassStats, StatementClass } from './db/query-metrics.js'
export { classify, QueryMetrics, STATEMENT_CLASSES } from './db/query-metrics.js'
export type { JournalMode, JournalOptions, JournalSize } from './durability/journal.js'
export type { QuarantineEntry } from './durability/quarantine.js'
export * from './entity/index.js'
export * from './errors.js'
export type { StorageLogger } from './logger.js'
export { silentLogger } from './logger.js'
export type { Scheduler } from './scheduler.js'
export { migrate } from './sql/prepare-schema.js'
export { createTableSql, databaseName, migrationSql, schemaProblems } from './sql/schema.js'
export { upsertSql } from './sql/upsert.js'
export type { FlushResult, StartupReplay, StorageOptions, StorageStats } from './storage.js'
export { Storage } from './storage.js'
export type { StorageAlert } from './storage-alert.js'
export type { StorageConfig, WithStorage } from './storage-component.js'
export {
  STORAGE_COMPONENT_ID,
  StorageComponent,
  storageComponent,
  storageConfigSchema,
} from './storage-component.js'
export { registerStorageMetrics } from './storage-metrics.js'
