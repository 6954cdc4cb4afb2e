/**
 * Which mysql2 errors mean "the database did not get or did not answer the
 * statement" (retry, then dump) versus "the statement itself is wrong"
 * (error dump, never retried). Our writes are idempotent upserts, so
 * retrying after an unknown outcome (a lost COMMIT acknowledgement) is safe.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_CANT_CREATE_THREAD',
  'ER_OUT_OF_RESOURCES',
])

/** Transient server-side conditions: the statement is fine, try again. */
const TRANSIENT_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CHECKREAD'])

/** Fatal on the connection, but retrying cannot help. */
const PERMANENT_CODES = new Set([
  'ER_BAD_DB_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
])

export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const e = err as Error & { code?: string; fatal?: boolean }
  if (e.code && PERMANENT_CODES.has(e.code)) return false
  if (e.code && NETWORK_CODES.has(e.code)) return true
  if (e.fatal === true) return true
  return /closed state|Connection lost|Pool is closed|connect ETIMEDOUT/i.test(e.message)
}

export function isRetryable(err: unknown): boolean {
  if (isNetworkError(err)) return true
  const code = (err as { code?: string } | null)?.code
  return code !== undefined && TRANSIENT_CODES.has(code)
}

export function isQueueFull(err: unknown): boolean {
  return err instanceof Error && err.message === 'Queue limit reached.'
}

export function errorInfo(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) }
  const e = err as Error & { code?: string; errno?: number; sqlState?: string }
  return { code: e.code, errno: e.errno, sqlState: e.sqlState, message: e.message }
}
