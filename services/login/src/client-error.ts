import { TesseraError } from '@tessera/kernel'
import { LoginInternal } from './errors.js'

/**
 * What a client may see of an error: the login service's own refusals as
 * they are (their messages are written for clients), anything else as
 * LOGIN_INTERNAL with the real error in the log only (a SQL message never
 * leaves the server).
 */
export function toClientError(
  err: unknown,
  logger: { error(o: object, m?: string): void },
  op: string,
): TesseraError {
  if (err instanceof TesseraError && err.code.startsWith('LOGIN_')) return err
  logger.error({ err, op }, 'login: request failed')
  return LoginInternal.with({ cause: err })
}
