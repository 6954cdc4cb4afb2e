import { TesseraClientError } from '@tessera/client'
import { MemoryLogger } from '@tessera/kernel'
import { ChatSend, ChatSendRes, Echo, WireError } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, type Transport, until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'

// The edge gives every handler `handlerTimeoutMs`: a handler that hangs
// costs its client a WIRE_TIMEOUT answer, not the rest of the session.

let srv: TestServer
const logger = new MemoryLogger()

beforeAll(async () => {
  srv = await startTestServer({ handlerTimeoutMs: 150, logger })
})
afterAll(() => srv.close())

describe.each<Transport>(['tcp', 'ws'])('edge handler deadline over %s', (transport) => {
  it('answers a handler past its deadline with WIRE_TIMEOUT and serves the next message', async () => {
    const c = clientFor(srv, transport)
    await c.connect()
    const err = await c.request(Echo, { text: 'sleep:600' }, { timeoutMs: 30_000 }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(TesseraClientError)
    expect((err as TesseraClientError).wireCode).toBe(WireError.WIRE_TIMEOUT)
    expect((err as TesseraClientError).code).toBe('WIRE_TIMEOUT')
    // No wall-clock bound (a loaded box stretches any): WIRE_TIMEOUT itself shows the
    // server's deadline answered; a finished handler would have answered the echo, and
    // the client's own deadline gives TIMEOUT. Node fires the 150 ms deadline before the
    // handler's 600 ms sleep, whatever the load.
    expect((await c.request(Echo, { text: 'next' })).text).toBe('next')
    // The late handler finishes: its result is dropped (logged), nothing else reaches the client.
    await until(
      () => logger.lines.some((l) => l.msg?.includes('after its timeout') === true),
      15_000,
      'late-result log',
    )
    expect((await c.request(Echo, { text: 'still fine' })).text).toBe('still fine')
    await c.close()
  })

  it('keeps messages in order: one behind a slow async handler waits for it, even when its own handler is synchronous', async () => {
    const c = clientFor(srv, transport)
    await c.connect()
    const done: string[] = []
    const slow = c.request(Echo, { text: 'sleep:60' }).then(() => done.push('slow echo'))
    const fast = c
      .request(ChatSend, { channel: 'c', text: '0 0' }, { response: ChatSendRes })
      .then(() => done.push('sync chat'))
    await Promise.all([slow, fast])
    expect(done).toEqual(['slow echo', 'sync chat'])
    await c.close()
  })
})
