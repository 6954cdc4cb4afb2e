import { type ClientOptions, TesseraClient, webSocketSocket } from '@tessera/client'
import WebSocket from 'ws'
// Node-only entry of the SDK (the root vitest config aliases only the main entry).
import { tcpSocket } from '../../packages/client/src/node.js'
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

/** Wait until `cond()` holds, polling; throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
