import type { ServerResponse } from 'node:http'
import type { TesseraError } from '../../errors/index.js'

/** The JSON body of an HTTP refusal: `{"error":{"code","message"}}`, one line. */
export function httpErrorBody(err: TesseraError): string {
  return `${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`
}

/** Answer `status` with {@link httpErrorBody} (and `headers`, e.g. `connection: close`). */
export function sendHttpError(
  res: ServerResponse,
  status: number,
  err: TesseraError,
  headers: Record<string, string> = {},
): void {
  const body = httpErrorBody(err)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/**
 * The same answer written straight to a socket the http server gave up on
 * (a request it could not parse, a refused upgrade): always the last one
 * on that connection.
 */
export function rawHttpError(statusLine: string, err: TesseraError): string {
  const body = httpErrorBody(err)
  return (
    `HTTP/1.1 ${statusLine}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}
