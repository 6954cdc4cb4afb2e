// TLS through the real processes: login serves its JSON API over https://,
// the gateway its client ports over tls://, wss:// and auto+tls://, all from
// certificate files in the config; the hand-off lists the TLS addresses and
// the SDK plays over them; SIGHUP makes the gateway serve a renewed
// certificate to new connections while a player's session goes on.
import { generateKeyPairSync } from 'node:crypto'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'
import { handoffWebSocket, TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { loadSigningKey } from '@tessera/kernel'
import { ProfileGet, ProfileGetRes } from '@tessera/protocol'
import { makeTestPki, tempDir } from '@tessera/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { post } from '../login/support/login-node.js'
import { wsTrusting } from '../support/clients.js'
import { newAccount, PASSWORD } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const dir = tempDir('game-tls')
const pki = makeTestPki(dir.path)
const first = pki.issue('first', ['localhost', '127.0.0.1'])
const served = path.join(dir.path, 'served')
mkdirSync(served)
const files = { cert: path.join(served, 'server.pem'), key: path.join(served, 'server.key') }
copyFileSync(first.cert, files.cert)
copyFileSync(first.key, files.key)
// The gateway also signs its handshakes; the players pin its public key.
const { privateKey } = generateKeyPairSync('ed25519')
const signingFile = path.join(dir.path, 'signing.pem')
writeFileSync(signingFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
const pin = Buffer.from(loadSigningKey(privateKey).publicKey).toString('hex')
// SIGHUP only: the test decides when the gateway reloads.
const tlsArg = JSON.stringify({ certs: [files], watch: false })
afterAll(() => dir.remove())

const httpsPost = async (url: string, body: unknown) =>
  (await post(url, url, body, '127.0.0.1', {}, pki.ca)).body

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

describe('TLS client ports on login and the gateway (slow: real processes)', () => {
  const cluster = useGameCluster({
    gatewayListen: [
      'tcp://127.0.0.1:0',
      'ws://127.0.0.1:0',
      'tls://127.0.0.1:0',
      'wss://127.0.0.1:0',
      'auto+tls://127.0.0.1:0',
    ],
    gatewayArgs: ['--gateway.tls', tlsArg, '--gateway.signingKeyFile', signingFile],
    // Two node:cluster workers: the SIGHUP goes to the primary, which passes it on.
    gatewayWorkers: 2,
    loginListen: ['http://127.0.0.1:0', 'https://127.0.0.1:0'],
    loginArgs: ['--login.tls', tlsArg],
  })

  it('registers over https, plays over tls:// and wss:// with a signed handshake, and a SIGHUP renews the certificate live', async () => {
    const c = cluster()
    const l = await c.login.waitFor((j) => j.msg === 'login: front listening', 10_000, 'login ports')
    const https = (l.listen as string[]).find((a) => a.startsWith('https://'))!
    const account = newAccount('tls')
    const reg = await httpsPost(`${https}/v1/register`, { account, password: PASSWORD, nickname: account })
    expect(reg.userId).toMatch(/^\d+$/)

    const gw = [...c.gateways.values()][0]!
    const players: TesseraClient[] = []
    for (const transport of ['tls', 'wss'] as const) {
      const h = (await httpsPost(`${https}/v1/login`, { account, password: PASSWORD })) as {
        handoff: { token: string; tcp: string[]; ws: string[] }
      }
      // The hand-off names the TLS addresses (auto+tls as tls:// and wss://…/ws).
      expect(h.handoff.tcp.filter((a) => a.startsWith('tls://'))).toHaveLength(2)
      expect(h.handoff.ws.filter((a) => a.startsWith('wss://'))).toHaveLength(2)
      const only = {
        token: h.handoff.token,
        tcp: h.handoff.tcp.filter((a) => a.startsWith('tls://')),
        ws: h.handoff.ws.filter((a) => a.startsWith('wss://')),
      }
      const socket =
        transport === 'tls'
          ? handoffTcp(only, { ca: pki.ca })
          : handoffWebSocket(only, { WebSocket: wsTrusting(pki.ca) })
      const p = new TesseraClient({
        socket,
        token: only.token,
        clientKind: 'node-test',
        reconnect: false,
        serverKeys: [pin],
      })
      await p.connect()
      const me = await p.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      expect(me.profile?.nickname).toBe(account)
      players.push(p)
    }
    // The second login replaced the first session; the live one is the wss player.
    const live = players[1]!
    const tlsAddr = gw.addresses.find((a) => a.startsWith('tls://'))!
    expect(await certOf(tlsAddr)).toBe(first.fingerprint)

    const renewed = pki.issue('renewed', ['localhost', '127.0.0.1'])
    copyFileSync(renewed.key, files.key)
    copyFileSync(renewed.cert, files.cert)
    for (let i = 0; i < 4; i++) expect(await certOf(tlsAddr)).toBe(first.fingerprint) // no watch: nothing changes before the signal
    process.kill(gw.proc.pid, 'SIGHUP')
    const reloads = () => gw.proc.lines.filter((j) => j.msg === 'tls certificates reloaded').length
    const end = Date.now() + 15_000
    while (reloads() < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    expect(reloads()).toBe(2)
    // New connections go to the workers in turn: each serves the renewed certificate.
    for (let i = 0; i < 4; i++) expect(await certOf(tlsAddr)).toBe(renewed.fingerprint)
    expect(await certOf(gw.addresses.find((a) => a.startsWith('wss://'))!)).toBe(renewed.fingerprint)
    const me = await live.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(me.profile?.nickname).toBe(account)
    expect(live.state).toBe('open')
    for (const p of players) await p.close()
  })
})
