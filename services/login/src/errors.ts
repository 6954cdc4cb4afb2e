import { defineError } from '@tessera/kernel'

/** Refusals a player may see (the error policy: docs/errors.md, "What a client sees"). */
const CLIENT = { client: true } as const

// Every refusal of the login service has its own code (docs/errors.md,
// docs/login.md). All of them are meant for the client: their messages name
// the rule that was broken and never carry internal detail.

// ---- account names, nicknames, passwords (registration and changes) -------

export const LoginAccountTooShort = defineError<[min: number]>(
  'LOGIN_ACCOUNT_TOO_SHORT',
  'account name must be at least %d characters',
  CLIENT,
)
export const LoginAccountTooLong = defineError<[max: number]>(
  'LOGIN_ACCOUNT_TOO_LONG',
  'account name must be at most %d characters',
  CLIENT,
)
export const LoginAccountBadChars = defineError(
  'LOGIN_ACCOUNT_BAD_CHARS',
  'account name may only contain a-z, 0-9, "_", "." and "-" (letters are not case-sensitive)',
  CLIENT,
)
export const LoginAccountTaken = defineError('LOGIN_ACCOUNT_TAKEN', 'this account name is taken', CLIENT)
export const LoginNicknameTooShort = defineError<[min: number]>(
  'LOGIN_NICKNAME_TOO_SHORT',
  'nickname must be at least %d characters',
  CLIENT,
)
export const LoginNicknameTooLong = defineError<[max: number]>(
  'LOGIN_NICKNAME_TOO_LONG',
  'nickname must be at most %d characters',
  CLIENT,
)
export const LoginNicknameBadChars = defineError(
  'LOGIN_NICKNAME_BAD_CHARS',
  'nickname contains control, formatting, unassigned or malformed characters',
  CLIENT,
)
export const LoginPasswordTooShort = defineError<[min: number]>(
  'LOGIN_PASSWORD_TOO_SHORT',
  'password must be at least %d characters',
  CLIENT,
)
export const LoginPasswordTooLong = defineError<[max: number]>(
  'LOGIN_PASSWORD_TOO_LONG',
  'password must be at most %d characters',
  CLIENT,
)
export const LoginPasswordBadChars = defineError(
  'LOGIN_PASSWORD_BAD_CHARS',
  'password contains control or malformed characters',
  CLIENT,
)
export const LoginPasswordCommon = defineError(
  'LOGIN_PASSWORD_COMMON',
  'this password is too common (it appears in lists of leaked passwords); choose another',
  CLIENT,
)
export const LoginPasswordContext = defineError(
  'LOGIN_PASSWORD_CONTEXT',
  'password must not contain the account name or the name of the game',
  CLIENT,
)

// ---- authentication ----------------------------------------------------------

export const LoginBadCredentials = defineError(
  'LOGIN_BAD_CREDENTIALS',
  'wrong account name or password',
  CLIENT,
)
export const LoginThrottledAccount = defineError<[retryAfterS: number]>(
  'LOGIN_THROTTLED_ACCOUNT',
  'too many failed logins for this account; try again in %d s',
  CLIENT,
)
export const LoginThrottledIp = defineError<[retryAfterS: number]>(
  'LOGIN_THROTTLED_IP',
  'too many failed logins from your address; try again in %d s',
  CLIENT,
)
export const LoginThrottledIpInFlight = defineError<[inFlight: number]>(
  'LOGIN_THROTTLED_IP_IN_FLIGHT',
  'too many password checks from your address at once (%d running); retry shortly',
  CLIENT,
)
export const LoginThrottledRegister = defineError<[retryAfterS: number]>(
  'LOGIN_THROTTLED_REGISTER',
  'too many accounts registered from your address; try again in %d s',
  CLIENT,
)
export const LoginBadSession = defineError(
  'LOGIN_BAD_SESSION',
  'the session token is unknown, expired or ended by a later login, a logout or a password change',
  CLIENT,
)
export const LoginBusy = defineError<[queued: number]>(
  'LOGIN_BUSY',
  'the login service is busy (%d password checks waiting); retry shortly',
  CLIENT,
)
export const LoginBusyWaited = defineError<[waitedMs: number]>(
  'LOGIN_BUSY_WAITED',
  'the login service is busy (waited %d ms for a password check); retry shortly',
  CLIENT,
)
export const LoginLogoutBusy = defineError<[queued: number]>(
  'LOGIN_LOGOUT_BUSY',
  'the login service has too many logouts waiting (%d); retry shortly',
  CLIENT,
)
export const LoginUnavailable = defineError(
  'LOGIN_UNAVAILABLE',
  'the login service cannot reach its database; retry shortly',
  CLIENT,
)

// ---- hand-off to a gateway -------------------------------------------------

export const LoginNoGateway = defineError(
  'LOGIN_NO_GATEWAY',
  'no gateway is available right now; retry shortly',
  CLIENT,
)
export const LoginTokenUnknown = defineError('LOGIN_TOKEN_UNKNOWN', 'unknown hand-off token', CLIENT)
export const LoginTokenUsed = defineError('LOGIN_TOKEN_USED', 'this hand-off token was already used', CLIENT)
export const LoginTokenExpired = defineError('LOGIN_TOKEN_EXPIRED', 'this hand-off token has expired', CLIENT)
export const LoginTokenWrongGateway = defineError<[issuedFor: number, presentedAt: number]>(
  'LOGIN_TOKEN_WRONG_GATEWAY',
  'this hand-off token is for gateway %d, not %d',
  CLIENT,
)
export const LoginTokenSuperseded = defineError(
  'LOGIN_TOKEN_SUPERSEDED',
  'a later login (or a logout) of this account replaced this hand-off token',
  CLIENT,
)

export const LoginNotYourGateway = defineError<[gateway: number, peer: string]>(
  'LOGIN_NOT_YOUR_GATEWAY',
  'a request for gateway %d came from %s (a service may only redeem and report for itself)',
)

// ---- admission queue ---------------------------------------------------------

export const LoginQueueTicketUnknown = defineError(
  'LOGIN_QUEUE_TICKET_UNKNOWN',
  'this queue ticket is unknown or its place was lost (not polled in time); log in again',
  CLIENT,
)

// ---- HTTP front --------------------------------------------------------------

export const LoginHttpBadJson = defineError<[reason: string]>(
  'LOGIN_HTTP_BAD_JSON',
  'the request body is not a JSON object: %s',
  CLIENT,
)
export const LoginHttpBodyTooLarge = defineError<[max: number]>(
  'LOGIN_HTTP_BODY_TOO_LARGE',
  'the request body is larger than %d bytes',
  CLIENT,
)
export const LoginHttpBadContentType = defineError(
  'LOGIN_HTTP_BAD_CONTENT_TYPE',
  'send the request body as application/json',
  CLIENT,
)
export const LoginBadField = defineError<[field: string, expected: string]>(
  'LOGIN_BAD_FIELD',
  'field "%s" must be %s',
  CLIENT,
)

// ---- operator ------------------------------------------------------------------

export const LoginBadConfig = defineError<[reason: string]>('LOGIN_BAD_CONFIG', 'login: bad config: %s')
export const LoginInternal = defineError(
  'LOGIN_INTERNAL',
  'the login service failed to answer; the error is in its log',
)

// ---- configuration ----------------------------------------------------------

export const LoginPlaintextFront = defineError<[addresses: string]>(
  'LOGIN_PLAINTEXT_FRONT',
  'login.listen has plaintext fronts on a network address (%s): hand-off tokens and passwords would travel in clear; use https://, wss://, tls:// or auto+tls:// (login.tls), bind 127.0.0.1 behind a TLS proxy, or set login.allowPlaintext for local development',
)
