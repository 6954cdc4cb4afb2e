import { type ClientOptions, TesseraClient, webSocketSocket } from '@tessera/client'
import { tcpSocket, tlsSocket } from '@tessera/client/node'
import WebSocket from 'ws'
import type { TestServer } from './edge-server.js'

export type Transport = 'tcp' | 'ws' | 'tls' | 'wss'

type WsCtor = NonNullable<NonNullable<Parameters<typeof webSocketSocket>[1]>['WebSocket']>

/** `ws`'s WebSocket trusting `ca` (what a browser does with a CA in its store). */
export function wsTrusting(ca: string): WsCtor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { ca })
    }
  } as unknown as WsCtor
}

/** A client of the test server over `transport`, token for user 42 unless given; `ca` for tls and wss. */
export function clientFor(
  srv: TestServer,
  transport: Transport,
  opts: Partial<ClientOptions> & { ca?: string } = {},
): TesseraClient {
  const { ca, ...rest } = opts
  const socket =
    transport === 'tcp'
      ? tcpSocket(srv.tcpUrl)
      : transport === 'tls'
        ? tlsSocket({ ...srv.tlsUrl!, servername: 'localhost', ...(ca ? { ca } : {}) })
        : transport === 'wss'
          ? webSocketSocket(srv.wssUrl!, {
              WebSocket: ca ? wsTrusting(ca) : (WebSocket as unknown as WsCtor),
            })
          : webSocketSocket(srv.wsUrl, { WebSocket: WebSocket as unknown as WsCtor })
  return new TesseraClient({
    socket,
    token: srv.tokens.sign(42n, 60_000),
    clientKind: 'node-test',
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    ...rest,
  })
}

export { until } from '@tessera/testkit'
