import { defineError } from '@tessera/kernel'

// Errors of the center's operator page (docs/operations.md, "Admin web
// page"). Operators see the message; players never do.

export const CenterUiLoginFailed = defineError('CENTER_UI_LOGIN_FAILED', 'wrong operator name or password')
export const CenterUiThrottled = defineError<[number]>(
  'CENTER_UI_THROTTLED',
  'too many failed logins; try again in %d s',
)
export const CenterUiNoSession = defineError('CENTER_UI_NO_SESSION', 'not logged in (or the session expired)')
export const CenterUiBadCsrf = defineError(
  'CENTER_UI_BAD_CSRF',
  'missing or wrong CSRF token (x-csrf-token): reload the page',
)
export const CenterUiBadOrigin = defineError<[string]>(
  'CENTER_UI_BAD_ORIGIN',
  'request from origin %s refused: operator actions come only from the page itself',
)
export const CenterUiBadOperators = defineError<[string, string]>(
  'CENTER_UI_BAD_OPERATORS',
  'operators file %s: %s',
)
export const CenterUiBadRequest = defineError<[string]>('CENTER_UI_BAD_REQUEST', 'bad request: %s')
