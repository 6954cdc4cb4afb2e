import { type WebSocketSocketOptions, webSocketSocket } from './adapters/websocket.js'
import { ClientErrorCode, TesseraClientError } from './errors.js'
import type { SocketFactory } from './socket.js'

/**
 * Where login hands a player to: the gateway's addresses and the single-use
 * token for its Handshake (the fields of login's `GatewayHandoff`, from its HTTP JSON or
 * socket answer). Connect with `token: handoff.token` and a socket factory
 * built from the addresses ({@link handoffWebSocket}, or `handoffTcp` from
 * `@tessera/client/node`).
 *
 * The token works once: reconnects resume with the resume token instead. If
 * the server has forgotten the session (the resume is refused) the client
 * cannot start a new one with the used token: it closes with
 * WIRE_BAD_TOKEN and the app logs in again for a new hand-off.
 */
export interface HandoffAddresses {
  token: string
  tcp?: readonly string[]
  ws?: readonly string[]
}

/**
 * A socket factory that goes round the given ones: every (re)connect tries
 * the next address, so a resume after a gateway process died reaches
 * another one.
 */
export function rotatingSocket(factories: readonly SocketFactory[]): SocketFactory {
  if (factories.length === 0)
    throw new TesseraClientError(
      ClientErrorCode.BAD_ARGUMENT,
      'the hand-off lists no address for this transport',
    )
  let next = 0
  return (events) => {
    const f = factories[next % factories.length]!
    next++
    return f(events)
  }
}

/** WebSocket to the hand-off's `ws` addresses (browsers, mini games with a WebSocket, Node with `ws`). */
export function handoffWebSocket(h: HandoffAddresses, opts: WebSocketSocketOptions = {}): SocketFactory {
  return rotatingSocket((h.ws ?? []).map((url) => webSocketSocket(url, opts)))
}
