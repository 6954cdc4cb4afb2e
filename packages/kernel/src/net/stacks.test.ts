import { request } from 'node:http'
import { connect } from 'node:net'
import { exchange, parseResponse } from '@tessera/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { type EchoApp, echoApp, MSG_ECHO, RawTcpClient, RawWsClient, sleep } from './fixtures/net-fixtures.js'
import { FrameFlag } from './frame-header.js'
import type { Session } from './session.js'

let app: EchoApp
afterEach(async () => {
  await app?.server.close()
})

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    request({ host: '127.0.0.1', port, path }, (r) => {
      let body = ''
      r.on('data', (c) => (body += c))
      r.on('end', () => res({ status: r.statusCode ?? 0, body }))
    })
      .on('error', rej)
      .end()
  })
}

describe('stacks', () => {
  it('binary TCP: echoes, then releases the session once when the peer leaves', async () => {
    app = echoApp()
    const l = await app.server.listen('tcp://127.0.0.1:0', 'client')
    const c = await RawTcpClient.open(l.address.port)
    expect(await c.echo(7, 'hi')).toBe('hi')
    const f = c.frames[0]!
    expect([f.flags, f.msgId, f.reqId]).toEqual([FrameFlag.RESPONSE, MSG_ECHO, 7])
    c.close()
    await app.sessions[0]!.whenClosed()
    expect(app.closes.get(app.sessions[0]!.id)).toBe(1)
    expect(app.server.size).toBe(0)
  })

  it('WebSocket: one binary message per frame, on the address path only', async () => {
    app = echoApp()
    const l = await app.server.listen('ws://127.0.0.1:0/game', 'client')
    const c = await RawWsClient.open(`ws://127.0.0.1:${l.address.port}/game`)
    expect(await c.echo(1, 'ws')).toBe('ws')
    await expect(RawWsClient.open(`ws://127.0.0.1:${l.address.port}/other`)).rejects.toThrow(/404/)
    expect((await httpGet(l.address.port, '/game')).status).toBe(404)
    c.close()
  })

  it('HTTP: routes and WebSocket upgrade on one port', async () => {
    app = echoApp()
    const l = await app.server.listen('http://127.0.0.1:0', 'admin', {
      routes: {
        'GET /metrics': (_req, res) => {
          res.end('sessions 1')
        },
        'GET /boom': () => {
          throw new Error('route bug')
        },
      },
    })
    const port = l.address.port
    expect(await httpGet(port, '/metrics?x=1')).toEqual({ status: 200, body: 'sessions 1' })
    const nope = await httpGet(port, '/nope')
    expect(nope.status).toBe(404)
    expect(JSON.parse(nope.body).error.code).toBe('NET_HTTP_NOT_FOUND')
    const boom = await httpGet(port, '/boom')
    expect(boom.status).toBe(500)
    expect(JSON.parse(boom.body).error).toEqual({
      code: 'NET_HTTP_ROUTE_FAILED',
      message: 'route GET /boom failed; the error is in the server log',
    })
    const c = await RawWsClient.open(`ws://127.0.0.1:${port}/ws`)
    expect(await c.echo(2, 'admin')).toBe('admin')
    expect(app.sessions[0]!.type).toBe('admin')
    expect(app.sessions[0]!.conn.stack).toBe('http')
    c.close()
  })

  it('HTTP: what Node would answer bare or drop (no Host, CONNECT, an odd Expect, garbage) gets a JSON error with a code', async () => {
    app = echoApp()
    const l = await app.server.listen('http://127.0.0.1:0', 'admin', {
      routes: { 'GET /ok': (_q, r) => void r.end('ok') },
    })
    const ask = async (raw: string) => {
      const r = parseResponse(await exchange(l.address.port, Buffer.from(raw)), false)
      return [r.status, JSON.parse(r.body.toString()).error.code]
    }
    expect(await ask('GET /ok HTTP/1.1\r\n\r\n')).toEqual([400, 'NET_HTTP_BAD_REQUEST'])
    expect(await ask('CONNECT 127.0.0.1:1 HTTP/1.1\r\nhost: x\r\n\r\n')).toEqual([404, 'NET_HTTP_NOT_FOUND'])
    expect(await ask('GET /ok HTTP/1.1\r\nhost: x\r\nexpect: magic\r\n\r\n')).toEqual([
      417,
      'NET_HTTP_BAD_REQUEST',
    ])
    expect(await ask('HELLO\r\n\r\n')).toEqual([400, 'NET_HTTP_BAD_REQUEST'])
    // HTTP/1.0 has no Host requirement.
    const old = parseResponse(await exchange(l.address.port, Buffer.from('GET /ok HTTP/1.0\r\n\r\n')), false)
    expect(old.status).toBe(200)
  })

  it('HTTP: a route working past the idle backstop is answered; one past its deadline gets 503', async () => {
    // The socket of a request whose route waits (a queued password hash) is
    // quiet, but not idle: it must not be cut after upgradeTimeoutMs.
    app = echoApp({ limits: { upgradeTimeoutMs: 150, httpHandlerTimeoutMs: 1_500 } })
    const l = await app.server.listen('http://127.0.0.1:0', 'admin', {
      routes: {
        'GET /slow': async (_req, res) => {
          await sleep(600)
          res.end('done')
        },
        'GET /never': () => {},
      },
    })
    const port = l.address.port
    expect(await httpGet(port, '/slow')).toEqual({ status: 200, body: 'done' })
    const never = await httpGet(port, '/never')
    expect(never.status).toBe(503)
    expect(JSON.parse(never.body).error.code).toBe('NET_HTTP_ROUTE_TIMEOUT')
    expect(app.logger.lines.some((x) => x.msg === 'http route timed out')).toBe(true)
  })

  it('auto: binary TCP, WebSocket and HTTP on the same port, told apart by the first byte', async () => {
    app = echoApp()
    const l = await app.server.listen('auto://127.0.0.1:0', 'client', {
      routes: { 'GET /health': (_q, r) => void r.end('up') },
    })
    const port = l.address.port
    const tcp = await RawTcpClient.open(port)
    const ws = await RawWsClient.open(`ws://127.0.0.1:${port}/ws`)
    expect(await tcp.echo(1, 'binary')).toBe('binary')
    expect(await ws.echo(2, 'web')).toBe('web')
    expect(await httpGet(port, '/health')).toEqual({ status: 200, body: 'up' })
    expect(app.sessions.map((s) => s.conn.stack)).toEqual(['auto', 'auto'])
    // A TCP client whose first frame arrives one byte at a time is still detected as binary.
    const slow = connect({ port, host: '127.0.0.1' })
    await new Promise((r) => slow.once('connect', r))
    const bytes = Buffer.concat([
      Buffer.from([0, 0, 0, 12]),
      Buffer.from([0, 0, 0, 0, 0, 100, 0, 0, 0, 9, 0x68, 0x69]),
    ])
    const got: Buffer[] = []
    slow.on('data', (d) => got.push(d))
    for (const b of bytes) {
      slow.write(Buffer.from([b]))
      await sleep(2)
    }
    await tcp.until(() => Buffer.concat(got).length >= 16)
    expect(Buffer.concat(got).subarray(14).toString()).toBe('hi')
    slow.destroy()
    tcp.close()
    ws.close()
  })

  it('closing a listener stops accepting at once and leaves live sessions serving', async () => {
    app = echoApp()
    for (const stack of ['tcp', 'auto', 'ws']) {
      const l = await app.server.listen(`${stack}://127.0.0.1:0`, 'client')
      const port = l.address.port
      const c =
        stack === 'ws' ? await RawWsClient.open(`ws://127.0.0.1:${port}`) : await RawTcpClient.open(port)
      const keepAlive = connect({ port, host: '127.0.0.1' })
      keepAlive.on('error', () => {})
      let keepAliveClosed = false
      keepAlive.on('close', () => {
        keepAliveClosed = true
      })
      if (stack !== 'tcp') keepAlive.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\n')
      await sleep(20)
      await l.close()
      // Event-based, not timed: close() resolved while both connections are
      // still open (it did not wait for them to end or time out).
      expect(keepAliveClosed).toBe(false)
      await expect(RawTcpClient.open(port)).rejects.toThrow(/ECONNREFUSED/)
      expect(await c.echo(3, stack)).toBe(stack)
      c.close()
      keepAlive.destroy()
    }
  })

  it('connect: an outbound session over each stack reaches the listener', async () => {
    app = echoApp({ limits: { client: { stacks: ['tcp', 'ws', 'http', 'auto'] } } })
    for (const stack of ['tcp', 'ws', 'http', 'auto']) {
      const l = await app.server.listen(`${stack}://127.0.0.1:0`, 'client')
      const out: Session = await app.server.connect(`${stack}://127.0.0.1:${l.address.port}`, 'client')
      expect(out.initiator).toBe(true)
      expect(out.send(0, MSG_ECHO, 50, Buffer.from(stack))).toBe(true)
      for (let i = 0; i < 200 && !app.responses.some((r) => r.session === out.id); i++) await sleep(5)
      expect(app.responses.find((r) => r.session === out.id)).toEqual({
        session: out.id,
        reqId: 50,
        body: stack,
      })
      const inbound = app.sessions.find((s) => s !== out && s.conn.stack === stack && !s.initiator)
      expect(inbound?.isOpen).toBe(true)
      await out.close()
      await inbound!.whenClosed()
      await l.close()
    }
  })
})
