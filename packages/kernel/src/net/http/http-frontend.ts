import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { NetHttpBadRequest, NetHttpNotFound, NetHttpRouteTimeout } from '../errors.js'
import type { SessionType } from '../limits.js'
import type { Acceptor } from '../stack.js'
import { WsConnection } from '../ws/ws-connection.js'
import { rawHttpError, sendHttpError } from './http-error.js'
import { dispatchRoute, type HttpRoutes } from './routes.js'

export interface HttpFrontendOptions {
  type: SessionType
  /** Stack name given to upgraded connections. */
  stack: string
  /** Upgrade path (`/` = any path); null refuses every upgrade. */
  wsPath: string | null
  routes?: HttpRoutes
}

/**
 * HTTP/1.1 plus WebSocket upgrade on sockets handed to {@link handle}; the
 * http.Server never listens itself, so the ws, http and auto stacks all
 * admit sockets (IP lists, accept rate) in their own net.Server first.
 */
export class HttpFrontend {
  readonly http: HttpServer
  private readonly wss: WebSocketServer

  constructor(
    private readonly opts: HttpFrontendOptions,
    private readonly acceptor: Acceptor,
  ) {
    const l = acceptor.limits
    this.http = createServer(
      {
        maxHeaderSize: l.httpMaxHeaderBytes,
        headersTimeout: l.upgradeTimeoutMs,
        requestTimeout: l.upgradeTimeoutMs * 2,
        connectionsCheckingInterval: Math.min(1000, l.upgradeTimeoutMs),
        // Node's own refusal of a request without Host is a bare 400; ours below carries a code.
        requireHostHeader: false,
      },
      (req, res) => {
        // A whole request arrived: the socket is no longer a pending one.
        acceptor.settle?.(req.socket)
        if (req.headers.host === undefined && req.httpVersionMinor >= 1) {
          sendHttpError(res, 400, new NetHttpBadRequest('an HTTP/1.1 request without a Host header'), {
            connection: 'close',
          })
          return
        }
        // The socket is quiet now because the route is working, not because
        // the client stalled: the route's own deadline replaces the idle one.
        res.setTimeout(l.httpHandlerTimeoutMs, () => this.routeTimedOut(req, res))
        dispatchRoute(opts.routes, req, res, acceptor.logger)
      },
    )
    this.http.maxHeadersCount = l.httpMaxHeadersCount
    // Idle backstop for sockets that stop mid-request; ws clears it on upgrade.
    this.http.timeout = l.upgradeTimeoutMs
    this.http.on('clientError', (err: Error & { code?: string }, socket: Socket) =>
      this.clientError(err, socket),
    )
    // An Expect other than 100-continue: Node's own answer is a bare 417.
    this.http.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
      acceptor.settle?.(req.socket)
      const e = new NetHttpBadRequest(`an Expect header this server does not meet (${req.headers.expect})`)
      sendHttpError(res, 417, e, { connection: 'close' })
    })
    // CONNECT (a proxy tunnel): without a listener Node drops the socket unanswered.
    this.http.on('connect', (req: IncomingMessage, socket: Socket) => {
      acceptor.settle?.(socket)
      socket.on('error', ignore)
      const route = JSON.stringify(`${req.method} ${req.url}`)
      socket.end(rawHttpError('404 Not Found', new NetHttpNotFound(route)))
    })
    this.http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    )
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: l[opts.type].preAuthMaxFrameBytes,
    })
    // headersTimeout is enforced by an interval the http server starts on
    // 'listening'; ours never listens, so start it by hand.
    this.http.emit('listening')
  }

  /** Serve an admitted socket (its first bytes may have been unshifted back). */
  handle(socket: Socket): void {
    this.http.emit('connection', socket)
    // A peeked socket was paused with its first bytes unshifted back; the
    // http server reads them only once the stream flows again.
    if (socket.isPaused()) socket.resume()
  }

  /** Stop the header-timeout checker and drop idle keep-alive HTTP connections. */
  close(): void {
    this.http.close()
    this.http.closeIdleConnections()
  }

  /** Bad request line, too many header bytes, request timeouts: answer if we still can, then drop. */
  private clientError(err: Error & { code?: string }, socket: Socket): void {
    socket.on('error', ignore)
    const ip = socket.remoteAddress
    if (err.code !== 'ECONNRESET')
      this.acceptor.logger.warn({ code: err.code, ip, stack: this.opts.stack }, 'bad http request')
    if (socket.writable && err.code !== 'ECONNRESET') {
      const status = STATUS[err.code ?? ''] ?? '400 Bad Request'
      socket.end(rawHttpError(status, new NetHttpBadRequest(err.code ?? err.message)))
    } else socket.destroy()
  }

  /** A route that did not answer in time: 503 if nothing was sent yet, else cut. */
  private routeTimedOut(req: IncomingMessage, res: ServerResponse): void {
    const l = this.acceptor.limits
    this.acceptor.logger.warn(
      { route: `${req.method} ${req.url}`, ms: l.httpHandlerTimeoutMs, stack: this.opts.stack },
      'http route timed out',
    )
    if (res.headersSent) {
      res.destroy()
      return
    }
    sendHttpError(res, 503, new NetHttpRouteTimeout(`${req.method} ${req.url}`, l.httpHandlerTimeoutMs), {
      connection: 'close',
    })
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = this.opts.wsPath
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const reqPath = q < 0 ? url : url.slice(0, q)
    if (path === null || (path !== '/' && reqPath !== path)) {
      socket.on('error', ignore)
      socket.end(
        rawHttpError(
          '404 Not Found',
          new NetHttpNotFound(`a WebSocket upgrade at ${JSON.stringify(reqPath)}`),
        ),
      )
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.acceptor.accept(new WsConnection(ws, socket, this.opts.stack), this.opts.type)
    })
  }
}

function ignore(): void {}

const STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
}
