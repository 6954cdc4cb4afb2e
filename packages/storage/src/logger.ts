/**
 * The little the storage layer needs from a logger; pino's `(obj, msg)`
 * signature fits, so a pino instance (or child) can be passed as is.
 */
export interface StorageLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export const silentLogger: StorageLogger = {
  info() {},
  warn() {},
  error() {},
}
