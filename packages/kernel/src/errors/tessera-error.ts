/**
 * Base of every error the platform throws on purpose. `code` is stable and
 * documented (docs/errors.md); `details` carries machine-readable context;
 * `cause` keeps the original error for logs.
 */
export class TesseraError extends Error {
  readonly code: string
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TesseraError'
    this.code = code
    this.details = options?.details
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details }
  }
}

/** Every code defined through {@link defineError}, for the docs check. */
export const errorRegistry = new Map<string, { template: string }>()

export type ErrorClass<A extends unknown[]> = {
  new (...args: A): TesseraError
  readonly code: string
  /** Build with a cause and details attached. */
  with(opts: { cause?: unknown; details?: Record<string, unknown> }, ...args: A): TesseraError
  is(err: unknown): err is TesseraError
}

/**
 * Declare an error code once, with a message template (`%s`, `%d`, `%j`
 * placeholders filled from the constructor arguments, in order).
 *
 * ```ts
 * export const NetFrameTooLarge = defineError('NET_FRAME_TOO_LARGE', 'frame %d > max %d')
 * throw new NetFrameTooLarge(len, max)
 * ```
 */
export function defineError<A extends unknown[] = unknown[]>(code: string, template: string): ErrorClass<A> {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code)) throw new Error(`bad error code ${code}`)
  if (errorRegistry.has(code)) throw new Error(`error code ${code} defined twice`)
  errorRegistry.set(code, { template })
  const Cls = class extends TesseraError {
    static readonly code = code
    constructor(...args: A) {
      super(code, format(template, args))
    }
    static with(opts: { cause?: unknown; details?: Record<string, unknown> }, ...args: A): TesseraError {
      // Same class as `new`, so instanceof works for errors built with a cause.
      const e = new Cls(...args)
      if (opts.cause !== undefined)
        Object.defineProperty(e, 'cause', { value: opts.cause, writable: true, configurable: true })
      ;(e as { details: unknown }).details = opts.details
      return e
    }
    static is(err: unknown): err is TesseraError {
      return err instanceof TesseraError && err.code === code
    }
  }
  Object.defineProperty(Cls, 'name', { value: codeToName(code) })
  return Cls
}

function codeToName(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
}

export function format(template: string, args: readonly unknown[]): string {
  let i = 0
  return template.replace(/%[sdj%]/g, (m) => {
    if (m === '%%') return '%'
    const v = args[i++]
    if (m === '%j') {
      try {
        return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))
      } catch {
        return String(v)
      }
    }
    return String(v)
  })
}

/**
 * Normalise anything thrown into a TesseraError at a boundary (handler
 * dispatch, RPC replies, storage flushes), keeping the original as `cause`.
 */
export function toTesseraError(err: unknown, code = 'INTERNAL_ERROR'): TesseraError {
  if (err instanceof TesseraError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new TesseraError(code, message, { cause: err })
}
