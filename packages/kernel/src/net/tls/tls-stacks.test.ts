import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import path from 'node:path'
import tls, { type ConnectionOptions, type TLSSocket } from 'node:tls'
import { makeTestPki, type TempDir, type TestLeaf, type TestPki, tempDir, until } from '@tessera/testkit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type EchoApp, echoApp, RawTcpClient, RawWsClient } from '../fixtures/net-fixtures.js'
import { MemoryLogger } from '../logger.js'
import { TlsContexts } from './tls-contexts.js'

let dir: TempDir
let pki: TestPki
let leafA: TestLeaf
let leafB: TestLeaf
let app: EchoApp | undefined
let contexts: TlsContexts | undefined

beforeAll(() => {
  dir = tempDir('tls')
  pki = makeTestPki(dir.path)
  leafA = pki.issue('a', ['localhost', '127.0.0.1', 'a.test'])
  leafB = pki.issue('b', ['b.test', '*.games.test'])
})
afterAll(() => dir?.remove())
afterEach(async () => {
  await app?.server.close()
  contexts?.close()
  app = undefined
  contexts = undefined
})

/** The served files live in their own folder so a test can replace them. */
function serveDir(name: string, leaf: TestLeaf): { cert: string; key: string } {
  const d = path.join(dir.path, name)
  const cert = path.join(d, 'server.pem')
  const key = path.join(d, 'server.key')
  mkdirSync(d, { recursive: true })
  copyFileSync(leaf.cert, cert)
  copyFileSync(leaf.key, key)
  return { cert, key }
}

function tlsOpen(port: number, opts: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((res, rej) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: pki.ca, ...opts }, () => res(s))
    s.once('error', rej)
  })
}

function fingerprint(s: TLSSocket): string {
  return s.getPeerCertificate().fingerprint256
}

function httpsGet(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    request({ host: '127.0.0.1', port, path: p, ca: pki.ca }, (r) => {
      let body = ''
      r.on('data', (c) => (body += c))
      r.on('end', () => res({ status: r.statusCode ?? 0, body }))
    })
      .on('error', rej)
      .end()
  })
}

describe('TLS stacks', () => {
  it('tls://: binary frames over a verified TLS connection', async () => {
    contexts = await TlsContexts.load({ certs: [serveDir('t1', leafA)], watch: false })
    app = echoApp()
    const l = await app.server.listen('tls://127.0.0.1:0', 'client', { tls: contexts })
    const sock = await tlsOpen(l.address.port)
    expect(sock.getProtocol()).toMatch(/TLSv1\.[23]/)
    const c = RawTcpClient.wrap(sock)
    expect(await c.echo(1, 'over tls')).toBe('over tls')
    expect(app.sessions[0]!.conn.stack).toBe('tls')
    c.close()
  })

  it('wss://, https:// and auto+tls:// serve WebSocket, routes and binary frames behind TLS', async () => {
    contexts = await TlsContexts.load({ certs: [serveDir('t2', leafA)], watch: false })
    app = echoApp()
    const routes = { 'GET /health': (_q: unknown, r: { end(s: string): void }) => void r.end('up') }
    const wss = await app.server.listen('wss://127.0.0.1:0/game', 'client', { tls: contexts })
    const https = await app.server.listen('https://127.0.0.1:0', 'admin', { tls: contexts, routes })
    const auto = await app.server.listen('auto+tls://127.0.0.1:0', 'client', { tls: contexts, routes })

    const w = await RawWsClient.open(`wss://localhost:${wss.address.port}/game`, { ca: pki.ca })
    expect(await w.echo(1, 'wss')).toBe('wss')
    const h = await RawWsClient.open(`wss://localhost:${https.address.port}/ws`, { ca: pki.ca })
    expect(await h.echo(2, 'https upgrade')).toBe('https upgrade')
    expect(await httpsGet(https.address.port, '/health')).toEqual({ status: 200, body: 'up' })

    const ap = auto.address.port
    const bin = RawTcpClient.wrap(await tlsOpen(ap))
    expect(await bin.echo(3, 'auto binary')).toBe('auto binary')
    const aw = await RawWsClient.open(`wss://localhost:${ap}/ws`, { ca: pki.ca })
    expect(await aw.echo(4, 'auto ws')).toBe('auto ws')
    expect(await httpsGet(ap, '/health')).toEqual({ status: 200, body: 'up' })
    expect(app.sessions.map((s) => s.conn.stack).sort()).toEqual(['auto+tls', 'auto+tls', 'https', 'wss'])
    for (const c of [w, h, aw]) c.close()
    bin.close()
  })

  it('a TLS stack without certificates is refused when it is opened', async () => {
    app = echoApp()
    await expect(app.server.listen('tls://127.0.0.1:0', 'client')).rejects.toThrow(
      /NET_TLS_NOT_CONFIGURED|needs tls/,
    )
  })

  it('refuses TLS 1.1 with a protocol-version alert even when the process default allows it; 1.2 and 1.3 pass', async () => {
    const saved = tls.DEFAULT_MIN_VERSION
    // As if the process ran with --tls-min-v1.0: the listener's own floor must hold.
    tls.DEFAULT_MIN_VERSION = 'TLSv1'
    try {
      contexts = await TlsContexts.load({ certs: [serveDir('t3', leafA)], watch: false })
      app = echoApp()
      const l = await app.server.listen('tls://127.0.0.1:0', 'client', { tls: contexts })
      // SECLEVEL=0 lets this client offer TLS 1.1 at all (OpenSSL 3 refuses it otherwise).
      const old = {
        minVersion: 'TLSv1' as const,
        maxVersion: 'TLSv1.1' as const,
        ciphers: 'DEFAULT@SECLEVEL=0',
      }
      const err = (await tlsOpen(l.address.port, old).then(
        () => null,
        (e: Error & { code?: string }) => e,
      )) as (Error & { code?: string }) | null
      expect(err?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
      await until(() => app!.logger.lines.some((x) => x.msg === 'tls handshake failed'), 5000, 'logged')
      const line = app.logger.lines.find((x) => x.msg === 'tls handshake failed')!.obj as { code: string }
      expect(line.code).toBe('ERR_SSL_UNSUPPORTED_PROTOCOL')
      for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
        const s = await tlsOpen(l.address.port, { minVersion: v, maxVersion: v })
        expect(s.getProtocol()).toBe(v)
        s.destroy()
      }
    } finally {
      tls.DEFAULT_MIN_VERSION = saved
    }
  })

  it('SNI: the certificate naming the requested host is served; the first one otherwise', async () => {
    contexts = await TlsContexts.load({ certs: [serveDir('sa', leafA), serveDir('sb', leafB)], watch: false })
    app = echoApp()
    const l = await app.server.listen('tls://127.0.0.1:0', 'client', { tls: contexts })
    const p = l.address.port
    const b = await tlsOpen(p, { servername: 'b.test' })
    expect(fingerprint(b)).toBe(leafB.fingerprint)
    const wild = await tlsOpen(p, { servername: 'eu.games.test' })
    expect(fingerprint(wild)).toBe(leafB.fingerprint)
    const a = await tlsOpen(p, { servername: 'a.test' })
    expect(fingerprint(a)).toBe(leafA.fingerprint)
    const none = await tlsOpen(p) // an IP address: no SNI sent
    expect(fingerprint(none)).toBe(leafA.fingerprint)
    // A name no certificate holds gets the default, which then fails the client's check.
    await expect(tlsOpen(p, { servername: 'other.test' })).rejects.toThrow(/altnames|Hostname/)
    for (const s of [a, b, wild, none]) s.destroy()
  })

  it('reloads a changed certificate without dropping live sessions: new connections get the new one', async () => {
    const files = serveDir('reload', leafA)
    const logger = new MemoryLogger()
    contexts = await TlsContexts.load({ certs: [files], debounceMs: 50 }, logger)
    app = echoApp()
    const l = await app.server.listen('tls://127.0.0.1:0', 'client', { tls: contexts })
    const p = l.address.port
    const live = await tlsOpen(p, { servername: 'localhost' })
    expect(fingerprint(live)).toBe(leafA.fingerprint)
    const liveClient = RawTcpClient.wrap(live)
    expect(await liveClient.echo(1, 'before')).toBe('before')

    // A renewal for the same names, written in place (as an operator's copy would).
    const renewed = pki.issue('a2', ['localhost', '127.0.0.1'])
    copyFileSync(renewed.key, files.key)
    copyFileSync(renewed.cert, files.cert)
    await until(() => contexts!.generation === 2, 10_000, 'fs.watch reload')
    const fresh = await tlsOpen(p, { servername: 'localhost' })
    expect(fingerprint(fresh)).toBe(renewed.fingerprint)
    // The old connection is the same session, still served.
    expect(await liveClient.echo(2, 'after')).toBe('after')
    expect(app.server.size).toBe(2)
    expect(app.sessions).toHaveLength(2)

    // A broken file keeps the certificate in service (logged), and so does reload() on SIGHUP.
    writeFileSync(files.cert, '-----BEGIN CERTIFICATE-----\nnot a cert\n')
    expect(await contexts.reload()).toBe(false)
    expect(logger.lines.some((x) => x.msg?.startsWith('tls certificates not reloaded'))).toBe(true)
    const still = await tlsOpen(p, { servername: 'localhost' })
    expect(fingerprint(still)).toBe(renewed.fingerprint)

    for (const x of [fresh, still]) x.destroy()
    liveClient.close()
  })

  it('without a file watch, SIGHUP reloads the certificates for new connections', async () => {
    const files = serveDir('sighup', leafA)
    contexts = (await TlsContexts.load({ certs: [files], watch: false })).reloadOnSignal('SIGHUP')
    app = echoApp()
    const l = await app.server.listen('tls://127.0.0.1:0', 'client', { tls: contexts })
    const p = l.address.port
    const renewed = pki.issue('a3', ['localhost', '127.0.0.1'])
    copyFileSync(renewed.key, files.key)
    copyFileSync(renewed.cert, files.cert)
    const before = await tlsOpen(p)
    expect(fingerprint(before)).toBe(leafA.fingerprint) // nothing watches: still the old one
    process.kill(process.pid, 'SIGHUP')
    await until(() => contexts!.generation === 2, 10_000, 'SIGHUP reload')
    const after = await tlsOpen(p)
    expect(fingerprint(after)).toBe(renewed.fingerprint)
    for (const x of [before, after]) x.destroy()
  })
})
