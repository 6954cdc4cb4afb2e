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

export interface ErrorDefinition {
  template: string
  /**
   * The code and message may reach a client: a refusal written for players
   * and SDKs that names nothing internal. Everything else reaches a client
   * only as a generic WIRE_INTERNAL and is logged in full on the server.
   */
  client: boolean
}

/** Every code defined through {@link defineError}, for the docs check and the client policy. */
export const errorRegistry = new Map<string, ErrorDefinition>()

/** True when `code` was defined with `client: true` (see {@link ErrorDefinition.client}). */
export function isClientVisible(code: string): boolean {
  return errorRegistry.get(code)?.client === true
}

export type ErrorClass<A extends unknown[]> = {
  new (...args: A): TesseraError
  readonly code: string
  /** Whether the code and message may reach a client ({@link ErrorDefinition.client}). */
  readonly client: boolean
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
 * // A refusal a player may read: code and message go to the client as is.
 * export const NameTaken = defineError('PROFILE_NAME_TAKEN', 'name %s is taken', { client: true })
 * ```
 */
export function defineError<A extends unknown[] = unknown[]>(
  code: string,
  template: string,
  opts: { client?: boolean } = {},
): ErrorClass<A> {
  if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(code)) throw new Error(`bad error code ${code}`)
  if (errorRegistry.has(code)) throw new Error(`error code ${code} defined twice`)
  const client = opts.client === true
  errorRegistry.set(code, { template, client })
  const Cls = class extends TesseraError {
    static readonly code = code
    static readonly client = client
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

/** Anything thrown that was not a TesseraError, as {@link toTesseraError} wraps it (message kept, cause attached). */
export const InternalError = defineError<[string]>('INTERNAL_ERROR', '%s')

/**
 * Normalise anything thrown into a TesseraError at a boundary (handler
 * dispatch, RPC replies, storage flushes), keeping the original as `cause`.
 */
export function toTesseraError(err: unknown, code = InternalError.code): TesseraError {
  if (err instanceof TesseraError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new TesseraError(code, message, { cause: err })
}
