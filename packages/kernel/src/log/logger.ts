import { createRequire } from 'node:module'
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino'

export type { Logger } from 'pino'

export interface LoggerConfig {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** `auto`: pretty when stdout is a terminal, JSON otherwise. */
  pretty: boolean | 'auto'
  /** File to append JSON lines to instead of stdout. */
  file?: string | undefined
}

export interface CreatedLogger {
  logger: Logger
  /** Flush everything buffered, synchronously where the destination allows it. */
  flush(): Promise<void>
}

/**
 * Build the process logger. JSON goes through pino's async SonicBoom
 * destination (cheap per line); pretty output goes through pino-pretty in the
 * same thread (only ever used in a terminal, so its cost does not matter).
 */
export function createLogger(
  cfg: LoggerConfig,
  bindings: Record<string, unknown> = {},
  stream?: DestinationStream,
): CreatedLogger {
  const pretty = cfg.pretty === 'auto' ? Boolean(process.stdout.isTTY) && !cfg.file : cfg.pretty
  const options: LoggerOptions = {
    level: cfg.level,
    base: { pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Snowflake ids and other bigints must not crash serialisation.
    formatters: { log: (obj) => bigintSafe(obj) },
  }
  if (stream) {
    const logger = pino(options, stream)
    return { logger, flush: async () => {} }
  }
  if (pretty) {
    // Loaded lazily: production JSON logging never pays for it.
    const prettyStream = loadPretty()
    const logger = pino(options, prettyStream)
    return { logger, flush: async () => {} }
  }
  const dest = pino.destination({ dest: cfg.file ?? 1, sync: false, mkdir: true })
  const logger = pino(options, dest)
  return {
    logger,
    flush: () =>
      new Promise<void>((resolve) => {
        // A write in flight must land first: flushSync would put the lines
        // queued behind it ahead of it. 'drain' comes once all is written
        // ('error' when it never will: exit paths must not hang on a log).
        if ((dest as unknown as { _writing?: boolean })._writing) {
          dest.once('drain', () => resolve())
          dest.once('error', () => resolve())
          return
        }
        try {
          dest.flushSync()
        } catch {
          // Not ready yet (file still opening): fall back to the async flush.
          dest.flush(() => resolve())
          return
        }
        resolve()
      }),
  }
}

function loadPretty(): DestinationStream {
  // pino-pretty is CommonJS; createRequire keeps this module ESM.
  const req = createRequire(import.meta.url)
  const build = req('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream
  return build({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
}

function bigintSafe(obj: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'bigint') {
      copy ??= { ...obj }
      copy[k] = v.toString()
    }
  }
  return copy ?? obj
}
