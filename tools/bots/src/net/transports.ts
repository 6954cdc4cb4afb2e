// How a bot reaches the cluster, as a game client does (@tessera/client),
// with its sockets bound to the bot's source address when one is given.
import http from 'node:http'
import https from 'node:https'
import {
  type ClientSocket,
  type FetchLike,
  type HandoffAddresses,
  handoffWebSocket,
  httpLoginApi,
  type LoginApi,
  type SocketFactory,
  type WebSocketConstructor,
} from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import WebSocket from 'ws'

export type Stack = 'tcp' | 'ws'

/** A fetch for the login API whose connections leave from `localAddress` (kept alive per address). */
function boundFetch(localAddress: string): FetchLike {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  }
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url)
      const secure = u.protocol === 'https:'
      const req = (secure ? https : http).request(
        u,
        {
          method: init.method,
          headers: init.headers,
          localAddress,
          agent: secure ? agents.https : agents.http,
          signal: init.signal,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: async () => Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(init.body)
    })
}

/** A `ws` WebSocket class whose connections leave from `localAddress`. */
function boundWebSocket(localAddress: string | undefined): WebSocketConstructor {
  if (localAddress === undefined) return WebSocket as unknown as WebSocketConstructor
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress })
    }
  } as unknown as WebSocketConstructor
}

/** Everything one source address needs: the login API and game sockets. */
export class Transports {
  readonly api: LoginApi
  private readonly ws: WebSocketConstructor
  /** Gateway addresses seen in hand-offs so far: where a client can resume when its gateway is gone. */
  private readonly known = { tcp: new Set<string>(), ws: new Set<string>() }

  constructor(
    loginUrl: string,
    readonly localAddress: string | undefined,
  ) {
    // Generous: under a registration storm a password hash waits its turn (login answers LOGIN_BUSY when the wait is too long).
    const timeoutMs = 30_000
    this.api = httpLoginApi(
      loginUrl,
      localAddress === undefined ? { timeoutMs } : { fetch: boundFetch(localAddress), timeoutMs },
    )
    this.ws = boundWebSocket(localAddress)
  }

  /**
   * Socket factory for a hand-off on `stack`: its gateway first, then the
   * other gateways seen so far, one after the other on reconnects (a resume
   * works on any gateway; docs/gateway.md).
   */
  socket(h: HandoffAddresses, stack: Stack): SocketFactory {
    const own = (stack === 'tcp' ? h.tcp : h.ws) ?? []
    const known = this.known[stack]
    for (const a of own) known.add(a)
    const all = [...own, ...[...known].filter((a) => !own.includes(a))]
    return stack === 'tcp'
      ? handoffTcp(
          { ...h, tcp: all },
          this.localAddress === undefined ? {} : { localAddress: this.localAddress },
        )
      : handoffWebSocket({ ...h, ws: all }, { WebSocket: this.ws })
  }
}

/**
 * Wraps a socket factory so a scenario can cut the current socket as a
 * network drop would (the client then reconnects and resumes).
 */
export class DroppableSocket {
  private current: ClientSocket | null = null
  readonly factory: SocketFactory

  constructor(inner: SocketFactory) {
    this.factory = (events) => {
      const s = inner(events)
      this.current = s
      return s
    }
  }

  /** Cut the socket under the client, as a lost network does. */
  drop(): void {
    this.current?.close()
  }
}
