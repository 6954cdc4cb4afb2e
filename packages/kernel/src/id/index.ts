export * from './errors.js'
export { FileSnowflakeStore } from './file-snowflake-store.js'
export type { PersistentSnowflakeOptions, SnowflakeOptions } from './snowflake.js'
export { Snowflake } from './snowflake.js'
export type { SnowflakeParts } from './snowflake-layout.js'
export {
  composeSnowflake,
  DEFAULT_SNOWFLAKE_EPOCH_MS,
  decomposeSnowflake,
  MAX_MACHINE_ID,
  MAX_SEQUENCE,
  MAX_SNOWFLAKE,
  MAX_SNOWFLAKE_TIMESTAMP,
  parseSnowflake,
} from './snowflake-layout.js'
export type { SnowflakeStore } from './snowflake-store.js'
export { DEFAULT_TOKEN_SIZE, newToken } from './token.js'
export {
  MAX_VERSION_MAJOR,
  MAX_VERSION_MINOR,
  MAX_VERSION_REVISION,
  VERSION_BYTES,
  Version,
  VersionStage,
} from './version.js'
