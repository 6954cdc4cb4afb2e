import { WireError } from '@tessera/protocol/client'

/**
 * Codes the SDK raises itself. Server refusals keep the wire name
 * (`WIRE_BAD_TOKEN`, `WIRE_SCHEMA_MISMATCH`, ...) with its number in
 * {@link TesseraClientError.wireCode}.
 */
export const ClientErrorCode = {
  /** A request got no response within its timeout. */
  TIMEOUT: 'CLIENT_TIMEOUT',
  /** The client was closed (by the app, or after a fatal refusal). */
  CLOSED: 'CLIENT_CLOSED',
  /** The socket could not be opened or dropped before the handshake ended. */
  CONNECT_FAILED: 'CLIENT_CONNECT_FAILED',
  /** The server forgot the session (resume refused): requests in flight are lost. */
  SESSION_LOST: 'CLIENT_SESSION_LOST',
  /** The server kicked this session (see `details.reason`). */
  KICKED: 'CLIENT_KICKED',
  /** The server sent bytes this client cannot read. */
  PROTOCOL: 'CLIENT_PROTOCOL',
  /** Reconnect gave up after `reconnect.maxAttempts`. */
  RECONNECT_FAILED: 'CLIENT_RECONNECT_FAILED',
  /** Too many unacknowledged outbound bytes (see `maxOutboxBytes`). */
  OUTBOX_FULL: 'CLIENT_OUTBOX_FULL',
  /**
   * The server failed authentication: its handshake is not signed by a
   * pinned key (`serverKeys`), or it refused to seal every frame. Final: a
   * man in the middle is the likely cause, so the client does not retry.
   */
  SERVER_AUTH_FAILED: 'CLIENT_SERVER_AUTH_FAILED',
  /** A bad option or call (e.g. a message type without msg id). */
  BAD_ARGUMENT: 'CLIENT_BAD_ARGUMENT',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

const wireNames = new Map<number, string>(Object.entries(WireError).map(([k, v]) => [v, k]))

/** Every error the SDK rejects with or emits. */
export class TesseraClientError extends Error {
  override readonly name = 'TesseraClientError'
  /** `WIRE_*` name from the server, a game-defined name, or a `CLIENT_*` code. */
  readonly code: string
  /** Numeric WireError from the server; 0 for client-side errors. */
  readonly wireCode: number
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(
    code: string,
    message: string,
    opts: { wireCode?: number; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.wireCode = opts.wireCode ?? 0
    this.details = opts.details
  }

  /** From an ErrorReply body: its name when set, else the WireError name. */
  static fromWire(code: number, name: string, message: string): TesseraClientError {
    const n = name || wireNames.get(code) || `WIRE_${code}`
    return new TesseraClientError(n, message || n, { wireCode: code })
  }
}

/** Name of a WireError value, e.g. 5 → "WIRE_RESUME_REFUSED". */
export function wireErrorName(code: number): string {
  return wireNames.get(code) ?? `WIRE_${code}`
}
