import { type ClientOptions, TesseraClient, webSocketSocket } from '@tessera/client'
import { tcpSocket } from '@tessera/client/node'
import WebSocket from 'ws'
import type { TestServer } from './edge-server.js'

export type Transport = 'tcp' | 'ws'

/** A client of the test server over `transport`, token for user 42 unless given. */
export function clientFor(
  srv: TestServer,
  transport: Transport,
  opts: Partial<ClientOptions> = {},
): TesseraClient {
  const socket =
    transport === 'tcp'
      ? tcpSocket(srv.tcpUrl)
      : webSocketSocket(srv.wsUrl, {
          WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof webSocketSocket>[1]>['WebSocket'],
        })
  return new TesseraClient({
    socket,
    token: srv.tokens.sign(42n, 60_000),
    clientKind: 'node-test',
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...opts,
  })
}

export { until } from '@tessera/testkit'
