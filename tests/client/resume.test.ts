import type { TesseraClient } from '@tessera/client'
import { ChatPush, ChatSend, ChatSendRes, Echo, KickReason, WireError } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { clientFor, type Transport, until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'
import { rawHandshake } from '../support/raw-handshake.js'

let srv: TestServer | null = null
let clients: TesseraClient[] = []

afterEach(async () => {
  for (const c of clients) await c.close()
  clients = []
  await srv?.close()
  srv = null
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each<Transport>(['tcp', 'ws'])('resume over %s', (transport) => {
  it('delivers every push and request exactly once, in order, across server-side kills', async () => {
    srv = await startTestServer()
    const c = clientFor(srv, transport)
    clients.push(c)
    const first = await c.connect()
    const pushes: number[] = []
    c.onPush(ChatPush, (m) => pushes.push(Number(m.messageId)))
    let resumes = 0
    c.on('open', (e) => {
      if (e.resumed) resumes++
    })
    let lost = 0
    c.on('sessionLost', () => lost++)
    const total = 400
    await c.request(ChatSend, { channel: 's', text: `${total} 1` }, { response: ChatSendRes })
    // Requests keep flowing while the connection is cut three times.
    const answers: Promise<string>[] = []
    let n = 0
    const sender = setInterval(() => {
      if (n < 120) {
        const text = `r${n++}`
        answers.push(c.request(Echo, { text }).then((m) => m.text))
      }
    }, 3)
    for (let k = 0; k < 3; k++) {
      await sleep(60)
      expect(killConnections(srv.net)).toBeGreaterThan(0)
      // Wait for this cut's resume itself: the state may still read 'open' before the client has seen the cut.
      await until(() => resumes === k + 1 && c.state === 'open', 5000, 'resume')
    }
    await until(() => n >= 120, 5000, 'all requests sent')
    clearInterval(sender)
    const texts = await Promise.all(answers)
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `r${i}`))
    await until(() => pushes.length >= total, 10_000, `${total} pushes (have ${pushes.length})`)
    await sleep(50)
    expect(pushes).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    expect(resumes).toBe(3)
    expect(lost).toBe(0)
    expect(c.sessionId).toBe(first.sessionId)
    // Server side: every request handled exactly once.
    for (let i = 0; i < 120; i++) expect(srv.echoes.get(`r${i}`)).toBe(1)
    expect(srv.edge.size).toBe(1)
  })

  it('replays what was pushed while the client was away, and sends what the client queued meanwhile', async () => {
    srv = await startTestServer()
    const c = clientFor(srv, transport, { reconnect: { initialDelayMs: 150, maxDelayMs: 150 } })
    clients.push(c)
    await c.connect()
    const pushes: number[] = []
    c.onPush(ChatPush, (m) => pushes.push(Number(m.messageId)))
    const s = srv.edge.list()[0]!
    for (let i = 1; i <= 10; i++) s.push(ChatPush, ChatPush.create({ messageId: BigInt(i) }))
    await until(() => pushes.length === 10)
    killConnections(srv.net)
    await until(() => s.state === 'lingering' && c.state === 'reconnecting', 2000, 'both sides see the drop')
    for (let i = 11; i <= 60; i++) s.push(ChatPush, ChatPush.create({ messageId: BigInt(i) }))
    const queued = [c.request(Echo, { text: 'q1' }), c.request(Echo, { text: 'q2' })]
    expect((await Promise.all(queued)).map((m) => m.text)).toEqual(['q1', 'q2'])
    await until(() => pushes.length >= 60)
    expect(pushes).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    expect(s.replayed).toBeGreaterThanOrEqual(50)
    expect(srv.echoes.get('q1')).toBe(1)
    expect(srv.echoes.get('q2')).toBe(1)
  })

  it('rotates the resume token: the old one is refused', async () => {
    srv = await startTestServer()
    const c = clientFor(srv, transport)
    clients.push(c)
    const first = await c.connect()
    killConnections(srv.net)
    await until(() => c.state === 'reconnecting', 2000, 'drop noticed')
    await until(() => c.state === 'open', 5000, 'resume')
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(42n, 60_000),
      resume: { resumeToken: first.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.ok).toBeNull()
    expect(r.error?.code).toBe(WireError.WIRE_RESUME_REFUSED)
    expect(r.error?.name).toBe('WIRE_RESUME_REFUSED')
    // The refused attempt did not disturb the live session.
    expect((await c.request(Echo, { text: 'still here' })).text).toBe('still here')
  })

  it('releases the session after the grace period; a late resume gets a new session', async () => {
    const ended: string[] = []
    srv = await startTestServer({ resumeGraceMs: 150, onSessionEnd: (_s, reason) => ended.push(reason.code) })
    const c = clientFor(srv, transport, { reconnect: { initialDelayMs: 800, maxDelayMs: 800 } })
    clients.push(c)
    const first = await c.connect()
    const lostErrors: string[] = []
    c.on('sessionLost', (e) => lostErrors.push(e.error.code))
    const pending = c
      .request(Echo, { text: 'sleep:2000' }, { timeoutMs: 5000 })
      .catch((e: { code: string }) => e.code)
    await sleep(20)
    killConnections(srv.net)
    await until(() => ended.length === 1, 2000, 'grace expiry')
    expect(ended).toEqual(['EDGE_GRACE_EXPIRED'])
    expect(srv.edge.size).toBe(0)
    await until(() => c.state === 'open', 5000, 'new session')
    expect(lostErrors).toEqual(['CLIENT_SESSION_LOST'])
    expect(await pending).toBe('CLIENT_SESSION_LOST')
    expect(c.sessionId).not.toBe(first.sessionId)
    expect((await c.request(Echo, { text: 'fresh' })).text).toBe('fresh')
  })

  it('a server shutdown kicks the client (KICK_SHUTDOWN) and it stops for good', async () => {
    srv = await startTestServer()
    const c = clientFor(srv, transport)
    clients.push(c)
    await c.connect()
    let closed: { code: string; reason: unknown } | null = null
    c.on('close', (e) => {
      closed = { code: e.error?.code ?? '', reason: e.error?.details?.reason }
    })
    srv.edge.close()
    await until(() => closed !== null, 3000, 'client closed')
    expect(closed).toEqual({ code: 'CLIENT_KICKED', reason: KickReason.KICK_SHUTDOWN })
    expect(c.state).toBe('closed')
    expect(srv.edge.size).toBe(0)
  })
})
