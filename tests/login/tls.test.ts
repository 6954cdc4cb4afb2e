// Login's client ports over TLS with two worker processes: the JSON API on
// https:// and the binary protocol on tls://, and a SIGHUP to the primary
// reaching every worker (each renews its certificate; node:cluster hands
// new connections to the workers in turn).
import { copyFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'
import { makeTestPki, tempDir } from '@tessera/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const dir = tempDir('login-tls')
const pki = makeTestPki(dir.path)
const first = pki.issue('first', ['localhost', '127.0.0.1'])
const served = path.join(dir.path, 'served')
mkdirSync(served)
const files = { cert: path.join(served, 'server.pem'), key: path.join(served, 'server.key') }
copyFileSync(first.cert, files.cert)
copyFileSync(first.key, files.key)

function certOf(address: string): Promise<string> {
  const u = new URL(address)
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port), ca: pki.ca }, () => {
      resolve(s.getPeerCertificate().fingerprint256)
      s.destroy()
    })
    s.once('error', reject)
  })
}

const httpsPost = (base: string, route: string, body: unknown) =>
  post(base, route, body, '127.0.0.1', {}, pki.ca)

describe('login over TLS, 2 processes (slow: real processes)', () => {
  let node: LoginNode
  beforeAll(async () => {
    node = await startLoginNode({
      processes: 2,
      login: {
        listen: ['https://127.0.0.1:0', 'tls://127.0.0.1:0'],
        tls: { certs: [files], watch: false },
      },
    })
  }, 90_000)
  afterAll(async () => {
    await node?.stop()
    dir.remove()
  }, 60_000)

  it('serves the JSON API over https and renews the certificate of every worker on a SIGHUP to the primary', async () => {
    expect(node.http).toMatch(/^https:/)
    const r = await httpsPost(node.http, '/v1/register', {
      account: 'tls_user',
      password: 'correct horse battery',
    })
    expect(r.status).toBe(200)
    for (let i = 0; i < 4; i++) expect(await certOf(node.tcp)).toBe(first.fingerprint)

    const renewed = pki.issue('renewed', ['localhost', '127.0.0.1'])
    copyFileSync(renewed.key, files.key)
    copyFileSync(renewed.cert, files.cert)
    process.kill(node.child.pid!, 'SIGHUP')
    const reloaded = () =>
      node
        .output()
        .split('\n')
        .filter((l) => l.includes('tls certificates reloaded')).length
    const end = Date.now() + 15_000
    while (reloaded() < 2 && Date.now() < end) await new Promise((res) => setTimeout(res, 50))
    expect(reloaded()).toBe(2)
    // Connections go to the workers in turn: every one of them serves the new certificate.
    for (let i = 0; i < 4; i++) expect(await certOf(node.tcp)).toBe(renewed.fingerprint)
    for (let i = 0; i < 4; i++) expect(await certOf(node.http)).toBe(renewed.fingerprint)
  })
})
