export type { CreatedLogger, Logger, LoggerConfig } from './logger.js'
export { createLogger } from './logger.js'
