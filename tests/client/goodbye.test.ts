import type { TesseraClient } from '@tessera/client'
import { ChatPush, Echo, WireError } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { clientFor, type Transport, until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'
import { rawHandshake } from '../support/raw-handshake.js'

// A deliberate close says Goodbye: the server releases the session at once
// instead of keeping it for the resume grace period. The grace period here
// is 30 s, so a release within 2 s can only come from the Goodbye.

let srv: TestServer | null = null
let clients: TesseraClient[] = []

afterEach(async () => {
  for (const c of clients) await c.close()
  clients = []
  await srv?.close()
  srv = null
})

const GRACE_MS = 30_000

describe.each<[Transport, boolean]>([
  ['tcp', false],
  ['ws', false],
  ['tcp', true],
  ['ws', true],
])('goodbye over %s (encrypted: %s)', (transport, encryption) => {
  it('close() releases the session at once: replay buffer freed, connection closed, token refused', async () => {
    const ended: { code: string; message: string }[] = []
    const logged: { msg: string; reason: unknown }[] = []
    const record = (obj: object, msg?: string) =>
      logged.push({ msg: msg ?? '', reason: (obj as { reason?: unknown }).reason })
    srv = await startTestServer({
      logger: { debug: record, info: record, warn: record, error: record },
      resumeGraceMs: GRACE_MS,
      // 'optional', not 'required': the raw resume attempt below offers no key.
      encryption: encryption ? 'optional' : 'off',
      onSessionEnd: (_s, reason) => ended.push({ code: reason.code, message: reason.message }),
    })
    const c = clientFor(srv, transport, { encryption })
    clients.push(c)
    const first = await c.connect()
    expect((await c.request(Echo, { text: 'hi' })).text).toBe('hi')
    expect(c.keyEpochs !== null).toBe(encryption)
    const s = srv.edge.list()[0]!
    // Unacknowledged (with the Echo response): the client acks after ackDelayMs.
    for (let i = 1; i <= 5; i++) s.push(ChatPush, ChatPush.create({ messageId: BigInt(i) }))
    expect(s.pendingReplay.count).toBeGreaterThanOrEqual(5)
    let closeEvent: { error: unknown } | null = null
    c.on('close', (e) => {
      closeEvent = e
    })

    const closing = c.close('test done')
    // A second close() is the same close: it waits for the Goodbye too.
    expect(c.close('again')).toBe(closing)
    await closing

    expect(c.state).toBe('closed')
    expect(closeEvent).toEqual({ error: null })
    await until(() => srv!.edge.size === 0, 2000, 'session released by Goodbye')
    expect(ended).toEqual([
      { code: 'EDGE_CLIENT_GOODBYE', message: 'client closed the session (Goodbye): test done' },
    ])
    expect(logged).toContainEqual({ msg: 'edge session released', reason: 'EDGE_CLIENT_GOODBYE' })
    expect(s.state).toBe('released')
    expect(s.pendingReplay).toEqual({ count: 0, bytes: 0 })
    await until(() => srv!.net.list().length === 0, 2000, 'connection closed by the server')
    const r = await rawHandshake(srv.wsUrl, {
      resume: { resumeToken: first.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.ok).toBeNull()
    expect(r.error?.code).toBe(WireError.WIRE_RESUME_REFUSED)
    expect(srv.edge.size).toBe(0)
  })
})

describe.each<Transport>(['tcp', 'ws'])('no goodbye over %s', (transport) => {
  it('close() while reconnecting sends nothing: the session lingers and stays resumable', async () => {
    srv = await startTestServer({ resumeGraceMs: GRACE_MS })
    // A long reconnect delay keeps the client away while the test closes it.
    const c = clientFor(srv, transport, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } })
    clients.push(c)
    const first = await c.connect()
    const s = srv.edge.list()[0]!
    killConnections(srv.net)
    await until(() => s.state === 'lingering' && c.state === 'reconnecting', 2000, 'both sides see the drop')
    await c.close()
    expect(c.state).toBe('closed')
    expect(srv.edge.size).toBe(1)
    expect(s.state).toBe('lingering')
    const r = await rawHandshake(srv.wsUrl, {
      resume: { resumeToken: first.resumeToken, lastReceivedSeq: 0n },
    })
    expect(r.error).toBeNull()
    expect(r.ok?.resumed).toBe(true)
    expect(r.ok?.sessionId).toBe(first.sessionId)
  })
})
