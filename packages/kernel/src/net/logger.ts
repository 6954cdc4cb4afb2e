/**
 * The slice of pino the net layer logs through; pass a pino logger (or a
 * child) as is. Kept as an interface so tests can capture lines.
 */
export interface NetLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = (): void => {}

/** Discards everything. */
export const silentLogger: NetLogger = { debug: noop, info: noop, warn: noop, error: noop }

/** Records every line, for tests that assert a bad input was logged. */
export class MemoryLogger implements NetLogger {
  readonly lines: { level: string; obj: object; msg: string | undefined }[] = []
  debug(obj: object, msg?: string): void {
    this.lines.push({ level: 'debug', obj, msg })
  }
  info(obj: object, msg?: string): void {
    this.lines.push({ level: 'info', obj, msg })
  }
  warn(obj: object, msg?: string): void {
    this.lines.push({ level: 'warn', obj, msg })
  }
  error(obj: object, msg?: string): void {
    this.lines.push({ level: 'error', obj, msg })
  }
  /** Lines whose object has `reason` (or `code`) equal to `code`. */
  withCode(code: string): { level: string; obj: object; msg: string | undefined }[] {
    return this.lines.filter((l) => {
      const o = l.obj as { reason?: unknown; code?: unknown }
      return o.reason === code || o.code === code
    })
  }
}
