import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { loadSigningKey, TlsContexts } from '@tessera/kernel'
import { makeTestPki, type TempDir, tempDir } from '@tessera/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserPageEntry, bundleForBrowser } from '../support/bundle.js'
import { CHROMIUM, Chromium, chromiumAvailable } from '../support/chromium.js'
import { until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'

// The one suite that runs the SDK in a real browser. CI installs Debian's
// chromium (scripts/setup.sh); without it this suite is skipped, loudly —
// except under CI=true, where a missing browser fails it.
const available = chromiumAvailable()
const ci = process.env.CI === 'true'
if (!available && !ci) console.warn(`SKIPPED: headless Chromium suite — ${CHROMIUM} is not installed`)

describe.skipIf(!available && !ci)('SDK in headless Chromium (slow: launches a browser, ~3 s)', () => {
  let srv: TestServer
  let http: ReturnType<typeof createServer>
  let pageUrl = ''
  let browser: Chromium | null = null
  let dir: TempDir | undefined
  let contexts: TlsContexts | undefined
  let stranger: TestServer | undefined
  let pin = ''

  // Everything over TLS, as a web game on an HTTPS page must: the page is
  // served over https:// and the SDK opens wss://, both with a certificate
  // from a CA this test makes. Chromium trusts that one leaf by its public
  // key hash; a second server with another leaf of the same CA stays
  // untrusted, which proves the browser really checks.
  beforeAll(async () => {
    if (!available)
      throw new Error(`CI=true and ${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`)
    dir = tempDir('browser-tls')
    const pki = makeTestPki(dir.path)
    const leaf = pki.issue('page', ['localhost', '127.0.0.1'])
    const other = pki.issue('stranger', ['localhost', '127.0.0.1'])
    contexts = await TlsContexts.load({ certs: [leaf], watch: false })
    const strangerCerts = await TlsContexts.load({ certs: [other], watch: false })
    const { privateKey } = generateKeyPairSync('ed25519')
    pin = Buffer.from(loadSigningKey(privateKey).publicKey).toString('hex')
    srv = await startTestServer({ tls: contexts, signingKey: privateKey })
    stranger = await startTestServer({ tls: strangerCerts })
    strangerCerts.close()
    const js = await bundleForBrowser(browserPageEntry)
    const html =
      '<!doctype html><meta charset="utf-8"><title>tessera</title><script type="module" src="/page.js"></script>'
    http = createServer({ ...contexts.defaultOptions() }, (req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
      else if (req.url === '/' || req.url?.startsWith('/?'))
        res.writeHead(200, { 'content-type': 'text/html' }).end(html)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    const port = (http.address() as AddressInfo).port
    const hash = new URLSearchParams({
      ws: srv.wssUrl!,
      untrusted: stranger.wssUrl!,
      pin,
      token: srv.tokens.sign('browser-user', 60_000),
      pushes: '300',
    })
    pageUrl = `https://localhost:${port}/#${hash}`
    browser = await Chromium.launch(20_000, [`--ignore-certificate-errors-spki-list=${leaf.spki}`])
  })

  afterAll(async () => {
    await browser?.close()
    if (http) await new Promise((r) => http.close(r))
    await srv?.close()
    await stranger?.close()
    contexts?.close()
    dir?.remove()
  })

  it('over https and wss: handshakes (encrypted, WebCrypto X25519, server signature checked with Ed25519), requests, gets pushes and resumes after a server-side kill', async () => {
    const evaluate = await browser!.open(pageUrl)
    // Cut the connection once the page is mid-stream.
    await until(() => srv.net.size > 0, 10_000, 'page connected')
    expect(srv.net.list()[0]!.conn.stack).toBe('wss')
    const stage = async () => (await evaluate('window.__stage ?? ""')) as string
    const end = Date.now() + 10_000
    while ((await stage()) !== 'midstream' && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    expect(await stage()).toBe('midstream')
    expect(killConnections(srv.net)).toBeGreaterThan(0)
    let result: Record<string, unknown> | undefined
    const end2 = Date.now() + 15_000
    while (!result && Date.now() < end2) {
      result = (await evaluate('window.__result')) as Record<string, unknown> | undefined
      if (!result) await new Promise((r) => setTimeout(r, 25))
    }
    expect(result, 'page never reported').toBeDefined()
    expect(result!.error).toBeUndefined()
    expect(result!.ok).toBe(true)
    expect(result!.encrypted).toBe(true)
    expect(result!.echo).toBe('hello from chromium')
    expect(result!.bigEchoLength).toBe(5000)
    expect(result!.pushes).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(result!.resumed).toBe(1)
    expect(result!.sessionLost).toBe(0)
    expect(result!.badToken).toBe('WIRE_BAD_TOKEN')
    expect(result!.protocol).toBe('https:')
    expect(result!.untrusted).toBe('CLIENT_CONNECT_FAILED')
    expect(stranger!.edge.size).toBe(0)
  })
})
