import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { DeployBadTopology } from '../errors.js'
import {
  loadTopology,
  parseTopology,
  planProcesses,
  resolveSecrets,
  type TopologyInput,
  topologyJsonSchema,
} from './index.js'

const staging = fileURLToPath(new URL('../../topologies/staging.json', import.meta.url))
const tmp = mkdtempSync(path.join(os.tmpdir(), 'topology-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const base = (): TopologyInput => ({
  cluster: 'tsr',
  mariadb: { node: 'a' },
  secrets: { cluster: { env: 'TSR_SECRET' } },
  nodes: [
    { name: 'a', address: '10.0.0.1', transport: { local: true } },
    { name: 'b', address: '10.0.0.2', transport: { ssh: 'deploy@10.0.0.2' } },
  ],
  services: [
    { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
    { kind: 'logic', node: 'b', count: 2, ports: { cluster: 4100, admin: 4190 } },
  ],
})

function errorsOf(input: unknown): string[] {
  try {
    parseTopology(input, 't.json')
  } catch (err) {
    expect(DeployBadTopology.is(err)).toBe(true)
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
  }
  throw new Error('the topology was accepted')
}

describe('topology', () => {
  it('loads the committed example and plans its processes in start order', () => {
    const t = loadTopology(staging)
    expect(planProcesses(t).map((p) => `${p.unit}@${p.node}:${p.ports.cluster}`)).toEqual([
      'tessera-center-1@db-1:3800',
      'tessera-logic-1@game-1:4100',
      'tessera-logic-2@game-1:4101',
      'tessera-logic-3@game-2:4100',
      'tessera-logic-4@game-2:4101',
    ])
  })

  it('deploy/topology.schema.json is current (deploy/bin/deploy schema > deploy/topology.schema.json; pnpm format)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../../topology.schema.json', import.meta.url)),
      'utf8',
    )
    // Compared as data: biome owns the file's formatting.
    expect(JSON.parse(committed)).toEqual(JSON.parse(topologyJsonSchema()))
  })

  it('names every schema error with its path', () => {
    const t = base() as Record<string, unknown>
    t.cluster = 'Bad Name'
    ;(t.nodes as Record<string, unknown>[])[0]!.address = 'not-an-ip'
    t.secrets = { cluster: 'inline-secret-value' }
    expect(errorsOf(t)).toEqual([
      'cluster: lower-case letters, digits and dashes, starting with a letter',
      'secrets.cluster: Invalid input',
      'nodes[0].address: Invalid input',
    ])
  })

  it('names every reference, kind, port and id error at once', () => {
    const t = base()
    t.mariadb.node = 'z'
    t.nodes.push({ name: 'a', address: '10.0.0.1', transport: { local: true } })
    t.services.push(
      { kind: 'logic', node: 'c', ports: { cluster: 4100, admin: 4190 } },
      { kind: 'chat', node: 'a', ports: { cluster: 1 } },
      { kind: 'gateway', node: 'a', ports: { cluster: 5000, admin: 5090, tcp: 6000, udp: 1 } },
    )
    t.reset = { timeZone: 'Mars/Olympus' }
    expect(errorsOf(t)).toEqual([
      'nodes[2].name: node a is defined twice',
      'nodes[2].address: 10.0.0.1 is used by two nodes',
      'mariadb.node: no node named z',
      'reset.timeZone: Mars/Olympus is not an IANA time zone',
      'services[2].node: no node named c',
      'services[3].kind: unknown kind chat (known: center, login, logic, gateway)',
      'services[4].ports.udp: a gateway has no udp port',
    ])
  })

  it('names every TLS and plaintext error of the client ports at once', () => {
    const t = base()
    const tls = { certs: [{ cert: '/etc/tessera/tls/a.pem', key: '/etc/tessera/tls/a.key' }] }
    t.services.push(
      // 2: plaintext login on a network address, not allowed explicitly
      { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, http: 3780 } },
      // 3: https without certificates anywhere
      { kind: 'login', node: 'b', ports: { cluster: 3700, admin: 3790, https: 3780 } },
      // 4: no client port at all
      { kind: 'gateway', node: 'a', ports: { cluster: 5000, admin: 5090 } },
      // 5: TLS ports without certificates
      { kind: 'gateway', node: 'b', ports: { cluster: 5000, admin: 5090, tls: 6000, wss: 6100 } },
      // 6: certificates and plaintext on a kind without client ports
      { kind: 'logic', node: 'a', firstId: 9, ports: { cluster: 4200, admin: 4290 }, tls, plaintext: false },
      // 7: plaintext switch on a gateway; certificates with only plain ports
      { kind: 'gateway', node: 'a', ports: { cluster: 5100, admin: 5190, tcp: 6200 }, tls, plaintext: true },
      // 8: plaintext allowed but no http port to open
      { kind: 'login', node: 'a', ports: { cluster: 3600, admin: 3690, https: 3680 }, tls, plaintext: true },
    )
    expect(errorsOf(t)).toEqual([
      'services[2].ports.http: a plaintext login front on 10.0.0.1 sends hand-off tokens and passwords in clear: give an https port with tls certificates, or set "plaintext": true to allow it',
      'services[3].tls: the https port needs certificates: tls on this service, on node b, or at the top of the topology',
      'services[4].ports: a gateway needs a client port (tcp, ws, tls, wss)',
      'services[5].tls: the tls and wss ports need certificates: tls on this service, on node b, or at the top of the topology',
      'services[6].tls: a logic has no TLS client port',
      'services[6].plaintext: a logic has no plaintext client port',
      'services[7].tls: no TLS port (tls, wss) on this gateway to use the certificates',
      'services[7].plaintext: only a login has a plaintext switch',
      'services[8].plaintext: no http port to open in clear',
    ])
  })

  it('takes certificates by file path only, never the PEM text', () => {
    const t = base() as Record<string, unknown>
    t.tls = { certs: [{ cert: '-----BEGIN CERTIFICATE-----\nMIIB', key: 'relative/key.pem' }] }
    ;(t.nodes as Record<string, unknown>[])[1]!.tls = { certs: [] }
    expect(errorsOf(t)).toEqual([
      'tls.certs[0].cert: an absolute file path on the node (not the PEM text)',
      'tls.certs[0].key: an absolute file path on the node (not the PEM text)',
      'nodes[1].tls.certs: Too small: expected array to have >=1 items',
    ])
  })

  it('allows a plaintext login when the topology says so, or on a loopback node address', () => {
    const t = base()
    t.services.push({
      kind: 'login',
      node: 'a',
      plaintext: true,
      ports: { cluster: 3700, admin: 3790, http: 3780 },
    })
    expect(planProcesses(parseTopology(t)).find((p) => p.kind === 'login')).toMatchObject({ plaintext: true })
    const local = base()
    local.nodes = [{ name: 'a', address: '127.0.0.1', transport: { local: true } }]
    local.services = [
      { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
      { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, http: 3780 } },
    ]
    expect(() => parseTopology(local)).not.toThrow()
  })

  it("gives each process its service's certificates, else its node's, else the topology's", () => {
    const pair = (n: string) => ({ certs: [{ cert: `/tls/${n}.pem`, key: `/tls/${n}.key` }] })
    const t = base()
    t.tls = pair('top')
    t.nodes[1]!.tls = pair('node-b')
    t.services.push(
      { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, https: 3780 } },
      { kind: 'gateway', node: 'b', ports: { cluster: 5000, admin: 5090, tls: 6000 } },
      { kind: 'gateway', node: 'b', ports: { cluster: 5100, admin: 5190, wss: 6100 }, tls: pair('own') },
    )
    const plan = planProcesses(parseTopology(t))
    expect(plan.filter((p) => p.tls).map((p) => [p.unit, p.tls!.certs[0]!.cert])).toEqual([
      ['tsr-login-100', '/tls/top.pem'],
      ['tsr-gateway-200', '/tls/node-b.pem'],
      ['tsr-gateway-201', '/tls/own.pem'],
    ])
  })

  it('finds port clashes and duplicate service ids across counts', () => {
    const t = base()
    t.services.push(
      { kind: 'logic', node: 'b', ports: { cluster: 4101, admin: 4300 } },
      { kind: 'logic', node: 'a', firstId: 2, ports: { cluster: 4100, admin: 4190 } },
    )
    expect(errorsOf(t)).toEqual([
      'services: logic#2 is given to two processes (set firstId apart)',
      'services: port 4101 on node b is used by both logic#2 cluster and logic#3 cluster',
    ])
  })

  it('refuses one service id for two kinds (ids are cluster-wide)', () => {
    const t = base()
    t.services.push({
      kind: 'gateway',
      node: 'b',
      firstId: 1,
      ports: { cluster: 5000, admin: 5090, tcp: 6000, ws: 6100 },
    })
    expect(errorsOf(t)).toContain(
      'services: service id 1 is used by both logic#1 and gateway#1 (ids are cluster-wide; set firstId apart)',
    )
  })

  it('requires exactly one center process', () => {
    const t = base()
    t.services[0]!.count = 2
    expect(errorsOf(t)).toEqual(['services: exactly one center process is required'])
  })

  it('reports a file that is not JSON', () => {
    const f = path.join(tmp, 'bad.json')
    writeFileSync(f, '{ nope')
    expect(() => loadTopology(f)).toThrow(/topology .*bad.json has 1 error\(s\):\n {2}\(top\): /)
  })

  it('resolves secrets by reference and names each missing one', () => {
    const t = parseTopology({ ...base(), mariadb: { node: 'a', password: { file: path.join(tmp, 'nope') } } })
    expect(() => resolveSecrets(t, {})).toThrow(
      /secrets.cluster: environment variable TSR_SECRET is not set\n {2}mariadb.password: cannot read/,
    )
    expect(() => resolveSecrets(t, { TSR_SECRET: 'short' })).toThrow(/at least 16 characters/)
    const pw = path.join(tmp, 'pw')
    writeFileSync(pw, 'db-pass\n')
    const ok = parseTopology({ ...base(), mariadb: { node: 'a', password: { file: pw } } })
    expect(resolveSecrets(ok, { TSR_SECRET: 's'.repeat(16) })).toEqual({
      clusterSecret: 's'.repeat(16),
      dbPassword: 'db-pass',
    })
  })

  it('resolves the optional admin token, at least 16 characters', () => {
    const t = parseTopology({
      ...base(),
      secrets: { cluster: { env: 'TSR_SECRET' }, admin: { env: 'TSR_ADMIN' } },
    })
    const env = { TSR_SECRET: 's'.repeat(16) }
    expect(() => resolveSecrets(t, env)).toThrow(/secrets.admin: environment variable TSR_ADMIN is not set/)
    expect(() => resolveSecrets(t, { ...env, TSR_ADMIN: 'short' })).toThrow(/admin token needs at least 16/)
    expect(resolveSecrets(t, { ...env, TSR_ADMIN: 'a'.repeat(20) }).adminToken).toBe('a'.repeat(20))
  })

  it('resolves the secrets also accepted during a rotation, in order, each at least 16 characters', () => {
    const t = parseTopology({
      ...base(),
      secrets: { cluster: { env: 'TSR_SECRET' }, clusterAccept: [{ env: 'TSR_OLD' }, { env: 'TSR_OLDER' }] },
    })
    const env = { TSR_SECRET: 's'.repeat(16), TSR_OLD: 'o'.repeat(16) }
    expect(() => resolveSecrets(t, env)).toThrow(
      /secrets.clusterAccept\[1\]: environment variable TSR_OLDER is not set/,
    )
    expect(() => resolveSecrets(t, { ...env, TSR_OLDER: 'short' })).toThrow(
      /secrets.clusterAccept\[1\]: a cluster secret needs at least 16/,
    )
    expect(resolveSecrets(t, { ...env, TSR_OLDER: 'p'.repeat(16) }).clusterAccept).toEqual([
      'o'.repeat(16),
      'p'.repeat(16),
    ])
    expect(resolveSecrets(parseTopology(base()), env).clusterAccept).toBeUndefined()
  })
})
