import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'
import { TlsContexts } from '@tessera/kernel'
import { ChatPush, ChatSend, ChatSendRes, Echo } from '@tessera/protocol'
import { makeTestPki, type TempDir, type TestLeaf, type TestPki, tempDir } from '@tessera/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'

// The SDK over tls:// (binary frames over TLS) and wss://, against the
// kernel's TLS listeners with a CA this test makes and removes.

let dir: TempDir
let pki: TestPki
let leaf: TestLeaf
let files: { cert: string; key: string }
let contexts: TlsContexts
let srv: TestServer | undefined

beforeAll(async () => {
  dir = tempDir('sdk-tls')
  pki = makeTestPki(dir.path)
  leaf = pki.issue('server', ['localhost', '127.0.0.1'])
  const served = path.join(dir.path, 'served')
  mkdirSync(served)
  files = { cert: path.join(served, 'server.pem'), key: path.join(served, 'server.key') }
  copyFileSync(leaf.cert, files.cert)
  copyFileSync(leaf.key, files.key)
  contexts = await TlsContexts.load({ certs: [files], debounceMs: 50 })
})
afterAll(() => {
  contexts?.close()
  dir?.remove()
})
afterEach(async () => {
  await srv?.close()
  srv = undefined
})

describe.each(['tls', 'wss'] as const)('SDK over %s://', (transport) => {
  it('handshakes, requests, gets pushes and resumes after a server-side cut, certificate verified', async () => {
    srv = await startTestServer({ tls: contexts })
    const c = clientFor(srv, transport, { ca: pki.ca })
    const ok = await c.connect()
    expect(ok.sessionId).not.toBe('')
    expect(srv.net.list()[0]!.conn.stack).toBe(transport)
    expect((await c.request(Echo, { text: `hello over ${transport}` })).text).toBe(`hello over ${transport}`)
    const pushes: bigint[] = []
    c.onPush(ChatPush, (m) => pushes.push(m.messageId))
    await c.request(ChatSend, { channel: 'w', text: '40 5' }, { response: ChatSendRes })
    await until(() => pushes.length >= 10, 10_000, 'first pushes')
    expect(killConnections(srv.net)).toBe(1)
    await until(() => pushes.length === 40, 15_000, 'every push after the resume')
    expect(pushes).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)))
    expect(srv.edge.list()[0]!.connections).toBe(2)
    await c.close()
  })

  it('refuses a server whose certificate it cannot verify (no CA given)', async () => {
    srv = await startTestServer({ tls: contexts })
    const c = clientFor(srv, transport, { reconnect: false, connectTimeoutMs: 5000 })
    await expect(c.connect()).rejects.toThrow()
    expect(srv.edge.size).toBe(0)
  })
})

describe('certificate reload under a live SDK session', () => {
  it('serves the renewed certificate to new connections while the live session goes on untouched', async () => {
    srv = await startTestServer({ tls: contexts })
    const c = clientFor(srv, 'tls', { ca: pki.ca })
    let opens = 0
    c.on('open', () => opens++)
    await c.connect()
    expect((await c.request(Echo, { text: 'before' })).text).toBe('before')

    const renewed = pki.issue('renewed', ['localhost', '127.0.0.1'])
    const gen = contexts.generation
    copyFileSync(renewed.key, files.key)
    copyFileSync(renewed.cert, files.cert)
    await until(() => contexts.generation > gen, 10_000, 'reload')
    const probe = await new Promise<tls.TLSSocket>((res, rej) => {
      const s = tls.connect({ ...srv!.tlsUrl!, servername: 'localhost', ca: pki.ca }, () => res(s))
      s.once('error', rej)
    })
    expect(probe.getPeerCertificate().fingerprint256).toBe(renewed.fingerprint)
    probe.destroy()

    expect((await c.request(Echo, { text: 'after' })).text).toBe('after')
    expect(opens).toBe(1)
    expect(srv.edge.list()[0]!.connections).toBe(1)
    await c.close()
  })
})
