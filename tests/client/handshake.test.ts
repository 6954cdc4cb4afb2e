import { ClientErrorCode, TesseraClientError } from '@tessera/client'
import { ChatPush, ChatSend, ChatSendRes, Echo, VersionStage, WireError } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, type Transport, until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'

let srv: TestServer

beforeAll(async () => {
  srv = await startTestServer({ minClientVersion: '1.2.0', serverVersion: '1.4.2-beta' })
})
afterAll(() => srv.close())

const v = (major: number, minor: number) => ({ major, minor, revision: 0, stage: VersionStage.STAGE_RELEASE })

async function refusal(p: Promise<unknown>): Promise<TesseraClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TesseraClientError)
  return err as TesseraClientError
}

describe.each<Transport>(['tcp', 'ws'])('client handshake over %s', (transport) => {
  it('handshakes, requests and receives pushes', async () => {
    const c = clientFor(srv, transport, { version: v(1, 3) })
    const ok = await c.connect()
    expect(ok.sessionId).not.toBe('')
    expect(ok.resumed).toBe(false)
    expect(ok.serverVersion).toEqual({ major: 1, minor: 4, revision: 2, stage: VersionStage.STAGE_BETA })
    expect(c.state).toBe('open')
    const echo = await c.request(Echo, { text: 'hello', payload: new Uint8Array([1, 2, 3]) })
    expect(echo.text).toBe('hello')
    expect([...echo.payload]).toEqual([1, 2, 3])
    const got: bigint[] = []
    c.onPush(ChatPush, (m) => got.push(m.messageId))
    const res = await c.request(ChatSend, { channel: 'c', text: '5 1' }, { response: ChatSendRes })
    expect(res.messageId).toBe(5n)
    await until(() => got.length === 5)
    expect(got).toEqual([1n, 2n, 3n, 4n, 5n])
    await c.close()
  })

  it('refuses an old client version with a clear error', async () => {
    const c = clientFor(srv, transport, { version: v(1, 1) })
    const err = await refusal(c.connect())
    expect(err.code).toBe('WIRE_VERSION_MISMATCH')
    expect(err.wireCode).toBe(WireError.WIRE_VERSION_MISMATCH)
    expect(err.message).toMatch(
      /client version 1\.1\.0 is older than the minimum 1\.2\.0 this server accepts/,
    )
    expect(c.state).toBe('closed')
  })

  it('refuses a different schema hash', async () => {
    const c = clientFor(srv, transport, { version: v(1, 2), schemaHash: 'ab'.repeat(32) })
    const err = await refusal(c.connect())
    expect(err.code).toBe('WIRE_SCHEMA_MISMATCH')
    expect(err.message).toMatch(/regenerate the client protocol code/)
  })

  it('refuses a forged, expired or missing token', async () => {
    // Alter the MAC's first character: the last base64url character of a
    // 32-byte MAC carries 2 unused bits, so changing it may decode the same.
    const good = srv.tokens.sign(42n, 60_000)
    const dot = good.lastIndexOf('.') + 1
    const forged = good.slice(0, dot) + (good[dot] === 'A' ? 'B' : 'A') + good.slice(dot + 1)
    for (const token of [forged, srv.tokens.sign(42n, -1), '', 'garbage']) {
      const c = clientFor(srv, transport, { version: v(1, 2), token })
      const err = await refusal(c.connect())
      expect(err.code).toBe('WIRE_BAD_TOKEN')
      expect(err.wireCode).toBe(WireError.WIRE_BAD_TOKEN)
    }
  })

  it('times a request out and keeps the session usable', async () => {
    const c = clientFor(srv, transport, { version: v(1, 2) })
    await c.connect()
    const err = await refusal(c.request(Echo, { text: 'sleep:300' }, { timeoutMs: 50 }))
    expect(err.code).toBe(ClientErrorCode.TIMEOUT)
    expect((await c.request(Echo, { text: 'after' })).text).toBe('after')
    await c.close()
  })
})
