// Admission under abuse, on real loopback sockets: caps per IP and per
// server, pending connections evicted oldest-first so a prompt client behind
// the same address still gets in, probation past the accept rate, the
// per-frame deadline, and a closing connection that stops reading a flood.
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { decodeMinimalReason } from './control.js'
import { Dispatcher } from './dispatcher.js'
import {
  type EchoApp,
  echoApp,
  MSG_ECHO,
  MSG_LOGIN,
  RawTcpClient,
  rawFrame,
  sleep,
  tcpFrame,
} from './fixtures/net-fixtures.js'
import { FrameFlag } from './frame-header.js'
import type { NetLimitsInput } from './limits.js'
import { NetServer } from './net-server.js'

const apps: EchoApp[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const a of apps.splice(0)) await a.server.close()
})

async function start(limits: NetLimitsInput): Promise<{ app: EchoApp; port: number }> {
  const app = echoApp({ limits: { sweepIntervalMs: 20, ...limits } })
  apps.push(app)
  const port = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
  return { app, port }
}

/** A socket that connects and then sends nothing; resolves once connected, or once reset (refused). */
function idle(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s))
    s.on('error', () => {})
    s.once('close', () => resolve(s))
    sockets.push(s)
  })
}

const closed = (s: Socket): Promise<void> =>
  new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())))

/** A prompt client: connects, logs in at once, waits for the answer. */
async function prompt(port: number, reqId: number): Promise<boolean> {
  const c = await RawTcpClient.open(port)
  try {
    c.send(0, MSG_LOGIN, reqId, '')
    return await c.until(() => c.frames.some((f) => f.reqId === reqId), 10_000)
  } finally {
    c.close()
  }
}

describe('admission: pending connections', () => {
  it('evicts the oldest idle sockets of an address, so a prompt client on it still gets in', async () => {
    const { app, port } = await start({
      maxPendingPerIp: 8,
      acceptRatePerSec: 1,
      acceptBurst: 2,
      probationMs: 60_000,
      client: { handshakeTimeoutMs: 60_000 },
    })
    const holds: Socket[] = []
    for (let i = 0; i < 40; i++) holds.push(await idle(port))
    // Past the accept rate and the pending cap: every prompt client gets in.
    let served = 0
    for (let i = 0; i < 20; i++) {
      if (await prompt(port, 100 + i)) served++
      holds.push(await idle(port))
    }
    expect(served).toBe(20)
    // Probation sockets (over the rate) go first, so which 8 survive is not
    // simply the newest: count them.
    await waitFor(() => holds.filter((s) => s.destroyed).length === holds.length - 8)
    expect(app.server.connections.pending).toBe(8)
    expect(app.server.counters.evictedPending).toBeGreaterThanOrEqual(holds.length - 8)
    expect(app.server.counters.probation).toBeGreaterThan(0)
    const evicted = app.logger.lines.filter(
      (l) => (l.obj as { reason?: string }).reason === 'NET_PENDING_EVICTED',
    )
    expect(evicted.length).toBeGreaterThan(0)
  })

  it('keeps the whole server to maxPending, oldest first, across addresses', async () => {
    const { app, port } = await start({ maxPending: 10, maxPendingPerIp: 100 })
    const holds: Socket[] = []
    for (let i = 0; i < 30; i++) holds.push(await idle(port, `127.0.0.${2 + (i % 5)}`))
    await Promise.all(holds.slice(0, 20).map(closed))
    expect(holds.slice(20).every((s) => !s.destroyed)).toBe(true)
    expect(app.server.connections.pending).toBe(10)
  })

  it('cuts a connection over the accept rate that sends no first frame within probationMs', async () => {
    const { app, port } = await start({ acceptRatePerSec: 1, acceptBurst: 1, probationMs: 200 })
    const first = await idle(port)
    const second = await idle(port)
    await closed(second)
    expect(app.server.counters.probationTimeouts).toBe(1)
    // The first (within the rate) keeps the ordinary handshake deadline.
    expect(first.destroyed).toBe(false)
    // A prompt client over the rate is served.
    expect(await prompt(port, 7)).toBe(true)
  })
})

describe('admission: connection caps', () => {
  it('refuses a new connection when its address holds maxConnectionsPerIp settled ones, evicting a pending one first', async () => {
    const { app, port } = await start({ maxConnectionsPerIp: 3 })
    const settled: RawTcpClient[] = []
    for (let i = 0; i < 3; i++) {
      const c = await RawTcpClient.open(port)
      c.send(0, MSG_LOGIN, 1, '')
      expect(await c.until(() => c.frames.length === 1)).toBe(true)
      settled.push(c)
    }
    const refused = await idle(port)
    await closed(refused)
    expect(app.server.counters.refusedIpLimit).toBe(1)
    // Another address is not affected.
    const other = await idle(port, '127.0.0.2')
    await sleep(50)
    expect(other.destroyed).toBe(false)
    // Free a slot with a pending socket in it: the next newcomer evicts that one.
    settled.pop()!.close()
    await waitFor(() => app.server.size === 3) // 2 settled + the other address
    const pending = await idle(port)
    const newcomer = await idle(port)
    await closed(pending)
    expect(newcomer.destroyed).toBe(false)
    expect(app.server.counters.evictedPending).toBe(1)
    for (const c of settled) c.close()
  })

  it('refuses past maxConnections for the whole server (NET_NODE_LIMIT counted)', async () => {
    const { app, port } = await start({ maxConnections: 2 })
    for (let i = 0; i < 2; i++) {
      const c = await RawTcpClient.open(port)
      c.send(0, MSG_LOGIN, 1, '')
      expect(await c.until(() => c.frames.length === 1)).toBe(true)
      sockets.push(c.socket)
    }
    const refused = await idle(port, '127.0.0.3')
    await closed(refused)
    expect(app.server.counters.refusedNodeLimit).toBe(1)
  })
})

describe('per-frame deadline', () => {
  it('cuts a peer that drips a frame, however recent its last byte, with a Kick naming NET_FRAME_TIMEOUT', async () => {
    const { app, port } = await start({ client: { frameTimeoutMs: 300, idleTimeoutMs: 60_000 } })
    const c = await RawTcpClient.open(port)
    c.send(0, MSG_LOGIN, 1, '')
    expect(await c.until(() => c.frames.length === 1)).toBe(true)
    const frame = tcpFrame(0, MSG_ECHO, 2, 'x'.repeat(300))
    let i = 0
    const t = setInterval(() => {
      if (i < frame.length && !c.closed) c.write(frame.subarray(i, ++i))
    }, 20)
    try {
      await c.closedPromise
    } finally {
      clearInterval(t)
    }
    expect(i).toBeLessThan(frame.length)
    const kick = c.frames.find((f) => f.msgId === 5)
    expect(kick && decodeMinimalReason(kick.body).code).toBe('NET_FRAME_TIMEOUT')
    expect(app.server.counters.frameTimeouts).toBe(1)
  })

  it('leaves alone a peer that sends whole frames slowly', async () => {
    const { app, port } = await start({ client: { frameTimeoutMs: 150 } })
    const c = await RawTcpClient.open(port)
    for (let i = 0; i < 8; i++) {
      expect(await c.echo(10 + i, `m${i}`)).toBe(`m${i}`)
      await sleep(100)
    }
    expect(c.closed).toBe(false)
    expect(app.server.counters.frameTimeouts).toBe(0)
    c.close()
  })
})

describe('kicks for flood and idle', () => {
  it('sends Kick(NET_RATE_LIMITED) before closing a flooding session', async () => {
    const { port } = await start({ client: { msgRatePerSec: 1, msgBurst: 5 } })
    const c = await RawTcpClient.open(port)
    for (let i = 0; i < 20; i++) c.send(0, MSG_ECHO, 100 + i, 'x')
    await c.closedPromise
    const kick = c.frames.find((f) => f.msgId === 5)
    expect(kick && decodeMinimalReason(kick.body).code).toBe('NET_RATE_LIMITED')
    expect(c.frames.filter((f) => f.msgId === MSG_ECHO)).toHaveLength(5)
  })

  it('sends Kick(NET_IDLE_TIMEOUT) before closing an idle session', async () => {
    const { port } = await start({ client: { idleTimeoutMs: 150 } })
    const c = await RawTcpClient.open(port)
    c.send(0, MSG_LOGIN, 1, '')
    await c.closedPromise
    const kick = c.frames.find((f) => f.msgId === 5)
    expect(kick && decodeMinimalReason(kick.body).code).toBe('NET_IDLE_TIMEOUT')
  })

  it('shares one rate budget between the sessions of a key: reconnecting starts no fresh burst', async () => {
    const d = new Dispatcher()
    d.on(MSG_LOGIN, (s, f) => {
      s.markAuthenticated()
      s.shareRateBudget(Buffer.from(f.body).toString())
      s.reply(f, Buffer.from('ok'))
    })
    d.on(MSG_ECHO, (s, f) => void s.reply(f, f.body))
    // A manual clock: no token comes back while the test runs.
    const server = new NetServer({
      handler: d,
      clock: new ManualClock(),
      limits: { client: { msgRatePerSec: 1, msgBurst: 10 }, sweepIntervalMs: 20 },
    })
    apps.push({ server } as EchoApp)
    const port = (await server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const a = await RawTcpClient.open(port)
    a.send(0, MSG_LOGIN, 1, 'alice')
    for (let i = 0; i < 6; i++) expect(await a.echo(10 + i, 'x')).toBe('x')
    a.close()
    const b = await RawTcpClient.open(port)
    b.send(0, MSG_LOGIN, 1, 'alice')
    for (let i = 0; i < 10; i++) b.send(0, MSG_ECHO, 20 + i, 'x')
    await b.closedPromise
    const answered = b.frames.filter((f) => f.msgId === MSG_ECHO).length
    // alice had 10 - 6 = 4 left after her first session (a login frame, sent
    // before sharing, takes from the connection's own bucket).
    expect(answered).toBe(4)
    const kick = b.frames.find((f) => f.msgId === 5)
    expect(kick && decodeMinimalReason(kick.body).code).toBe('NET_RATE_LIMITED')
    // Bob, a different key, has his full burst.
    const c = await RawTcpClient.open(port)
    c.send(0, MSG_LOGIN, 1, 'bob')
    for (let i = 0; i < 8; i++) expect(await c.echo(30 + i, 'x')).toBe('x')
    c.close()
  })
})

describe('a closing connection stops reading', () => {
  it('destroys a peer that keeps writing after the close, long before closeGraceMs', async () => {
    const { app, port } = await start({ closeGraceMs: 120_000 })
    const c = await RawTcpClient.open(port)
    c.send(0, MSG_LOGIN, 1, '')
    expect(await c.until(() => c.frames.length === 1)).toBe(true)
    const chunk = Buffer.concat(Array.from({ length: 64 }, () => tcpFrame(0, MSG_ECHO, 0, 'y'.repeat(1000))))
    app.server.kick([app.sessions[0]!.id], 'test')
    let written = 0
    while (!c.closed && written < 64 * 1024 * 1024) {
      if (!c.socket.write(chunk)) await new Promise((r) => setTimeout(r, 5))
      written += chunk.length
    }
    await c.closedPromise
    expect(c.frames.some((f) => f.msgId === 5 && (f.flags & FrameFlag.PRIORITY) !== 0)).toBe(true)
  }, 30_000)
})

describe('the same on WebSocket', () => {
  it('cuts a peer that drips a WebSocket frame (NET_FRAME_TIMEOUT)', async () => {
    const { app, port } = await startWs({ client: { frameTimeoutMs: 300, idleTimeoutMs: 60_000 } })
    const s = await rawWs(port)
    s.write(wsFrame(rawFrame(0, MSG_LOGIN, 1, '')))
    const frame = wsFrame(rawFrame(0, MSG_ECHO, 2, 'x'.repeat(300)))
    let i = 0
    const t = setInterval(() => {
      if (i < frame.length && !s.destroyed) s.write(frame.subarray(i, ++i))
    }, 20)
    try {
      await closed(s)
    } finally {
      clearInterval(t)
    }
    expect(i).toBeLessThan(frame.length)
    expect(app.server.counters.frameTimeouts).toBe(1)
  })

  it('stops parsing a closing WebSocket and destroys it when the peer keeps writing', async () => {
    const { app, port } = await startWs({ closeGraceMs: 120_000 })
    const s = await rawWs(port)
    s.write(wsFrame(rawFrame(0, MSG_LOGIN, 1, '')))
    await waitFor(() => app.sessions[0]?.authenticated === true)
    app.server.kick([app.sessions[0]!.id], 'test')
    const chunk = Buffer.concat(
      Array.from({ length: 64 }, () => wsFrame(rawFrame(0, MSG_ECHO, 0, 'y'.repeat(1000)))),
    )
    let written = 0
    while (!s.destroyed && written < 64 * 1024 * 1024) {
      if (!s.write(chunk)) await new Promise((r) => setTimeout(r, 5))
      written += chunk.length
    }
    await closed(s)
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_KICKED')
  }, 30_000)
})

async function startWs(limits: NetLimitsInput): Promise<{ app: EchoApp; port: number }> {
  const app = echoApp({ limits: { sweepIntervalMs: 20, ...limits } })
  apps.push(app)
  const port = (await app.server.listen('ws://127.0.0.1:0', 'client')).address.port
  return { app, port }
}

/** A raw socket that has done the WebSocket upgrade (so the test controls every byte after it). */
function rawWs(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () =>
      s.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    )
    sockets.push(s)
    s.on('error', () => {})
    let head = ''
    const onData = (c: Buffer): void => {
      head += c.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      s.off('data', onData)
      s.on('data', () => {})
      if (head.startsWith('HTTP/1.1 101')) resolve(s)
      else reject(new Error(head))
    }
    s.on('data', onData)
  })
}

/** A masked client binary frame (mask key 0). */
function wsFrame(payload: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? 2 : 4
  const out = Buffer.alloc(head + 4 + n)
  out[0] = 0x82
  if (n < 126) out[1] = 0x80 | n
  else {
    out[1] = 0x80 | 126
    out.writeUInt16BE(n, 2)
  }
  payload.copy(out, head + 4)
  return out
}

async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}
