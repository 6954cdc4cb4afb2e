import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { envTree } from '@tessera/kernel'
import { afterAll, describe, expect, it } from 'vitest'
import { readEnvFile } from '../service-manager/index.js'
import { parseTopology } from '../topology/index.js'
import { nodeFiles } from './index.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'units-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const topology = parseTopology({
  cluster: 'tsr',
  root: path.join(tmp, 'root'),
  // systemd-analyze checks that ExecStart's program exists.
  nodeBin: process.execPath,
  reset: { hour: 4, timeZone: 'Asia/Shanghai' },
  mariadb: { node: 'a', password: { env: 'DB_PW' } },
  secrets: { cluster: { env: 'SECRET' } },
  tls: { certs: [{ cert: '/etc/tessera/tls/fullchain.pem', key: '/etc/tessera/tls/privkey.pem' }] },
  nodes: [
    { name: 'a', address: '10.0.0.1', transport: { local: true } },
    { name: 'b', address: '10.0.0.2', transport: { local: true } },
  ],
  services: [
    { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
    { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, https: 3780 } },
    { kind: 'logic', node: 'a', ports: { cluster: 4100, admin: 4190 } },
    { kind: 'gateway', node: 'b', count: 2, ports: { cluster: 5000, admin: 5090, tcp: 6000, ws: 6100 } },
    {
      kind: 'gateway',
      node: 'b',
      firstId: 210,
      ports: { cluster: 5010, admin: 5095, tls: 6010, wss: 6110 },
      tls: {
        certs: [{ cert: '/etc/tessera/tls/b.pem', key: '/etc/tessera/tls/b.key' }],
        minVersion: 'TLSv1.3',
      },
    },
  ],
})
const secrets = { clusterSecret: 'c'.repeat(24), dbPassword: 'p@ss word' }

function write(node: string): string {
  for (const f of nodeFiles(topology, node, secrets)) {
    mkdirSync(path.dirname(f.path), { recursive: true })
    writeFileSync(f.path, f.content, { mode: f.mode })
  }
  return path.join(topology.root, 'units')
}

/** systemd-analyze exits 0 on many unit errors and only prints them, so any output is a failure. */
function verify(dir: string, files: string[]) {
  return spawnSync('systemd-analyze', ['verify', '--man=no', ...files.map((f) => path.join(dir, f))], {
    encoding: 'utf8',
  })
}

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0

describe('node files', () => {
  it('give gateways and logic the same shard slots: every logic service id of the topology', () => {
    const cfg = (node: string, unit: string) =>
      JSON.parse(nodeFiles(topology, node, secrets).find((f) => f.path.endsWith(`/${unit}.json`))!.content)
    expect(cfg('b', 'tsr-gateway-200').gateway.logicSlots).toEqual([1])
    expect(cfg('a', 'tsr-logic-1').logic).toMatchObject({ serviceId: 1, slots: [1] })
    // Fixed machine ids: logic its service id, the other kinds from the top, all distinct.
    expect(cfg('a', 'tsr-logic-1').app.machineId).toBe(1)
    expect([
      cfg('a', 'tsr-login-100').app.machineId,
      cfg('b', 'tsr-gateway-200').app.machineId,
      cfg('b', 'tsr-gateway-201').app.machineId,
    ]).toEqual([1023, 1022, 1021])
  })

  it('give TLS client ports their certificates by path, watched, and a reload that re-reads them', () => {
    const files = [...nodeFiles(topology, 'a', secrets), ...nodeFiles(topology, 'b', secrets)]
    const cfg = (unit: string) => JSON.parse(files.find((f) => f.path.endsWith(`/${unit}.json`))!.content)
    const unit = (u: string) => files.find((f) => f.path.endsWith(`/${u}.service`))!.content
    // Login: an https front with the topology's certificates, and no plaintext allowance.
    expect(cfg('tsr-login-100').login).toEqual({
      serviceId: 100,
      processes: 1,
      listen: ['https://10.0.0.1:3780'],
      tls: {
        certs: [{ cert: '/etc/tessera/tls/fullchain.pem', key: '/etc/tessera/tls/privkey.pem' }],
        watch: true,
      },
    })
    // A gateway entry's own certificates win over the topology's; plain-only gateways get none.
    expect(cfg('tsr-gateway-210').gateway).toMatchObject({
      listen: ['tls://10.0.0.2:6010', 'wss://10.0.0.2:6110'],
      tls: {
        certs: [{ cert: '/etc/tessera/tls/b.pem', key: '/etc/tessera/tls/b.key' }],
        minVersion: 'TLSv1.3',
        watch: true,
      },
    })
    expect(cfg('tsr-gateway-200').gateway.tls).toBeUndefined()
    // The PEM never lands in a generated file: only its path.
    expect(files.filter((f) => f.content.includes('BEGIN'))).toEqual([])
    // `systemctl reload` sends SIGHUP only to processes that handle it (Node's default ends the others).
    expect(unit('tsr-login-100')).toContain('ExecReload=/bin/kill -HUP $MAINPID\n')
    expect(unit('tsr-gateway-210')).toContain('ExecReload=/bin/kill -HUP $MAINPID\n')
    for (const u of ['tsr-center-1', 'tsr-logic-1', 'tsr-gateway-200'])
      expect(unit(u)).not.toContain('ExecReload')
  })

  it('allow a plaintext login front only as the topology says (login.allowPlaintext follows plaintext)', () => {
    const t = parseTopology({
      ...topology,
      services: [
        { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
        {
          kind: 'login',
          node: 'a',
          plaintext: true,
          ports: { cluster: 3700, admin: 3790, http: 3780, https: 3781 },
        },
      ],
    })
    const login = JSON.parse(
      nodeFiles(t, 'a', secrets).find((f) => f.path.endsWith('/tsr-login-100.json'))!.content,
    )
    expect(login.login).toMatchObject({
      listen: ['https://10.0.0.1:3781', 'http://10.0.0.1:3780'],
      allowPlaintext: true,
    })
  })

  it('give each process a config without secrets, a 0600 env file with them, and a unit', () => {
    const files = nodeFiles(topology, 'b', secrets)
    const cfg = files.find((f) => f.path.endsWith('/tsr-gateway-201.json'))!
    expect(JSON.parse(cfg.content)).toMatchObject({
      app: { node: 'b' },
      cluster: { center: '10.0.0.1:3800', listen: 'tcp://10.0.0.2:5001' },
      admin: { listen: 'http://127.0.0.1:5091' },
      calendar: { resetHour: 4, timeZone: 'Asia/Shanghai' },
      // The gateway's own config key: one listen list with every client stack.
      gateway: { serviceId: 201, listen: ['tcp://10.0.0.2:6001', 'ws://10.0.0.2:6101'] },
    })
    expect(
      files
        .filter((f) => f.content.includes(secrets.clusterSecret))
        .map((f) => [path.basename(f.path), f.mode]),
    ).toEqual([
      ['tsr-gateway-200.env', 0o600],
      ['tsr-gateway-201.env', 0o600],
      ['tsr-gateway-210.env', 0o600],
    ])
    const unit = files.find((f) => f.path.endsWith('/tsr-gateway-200.service'))!.content
    expect(unit).toContain('LimitNOFILE=1048576\n')
    // The database URL is loopback on the database node, its address elsewhere; the password URL-encoded.
    const a = nodeFiles(topology, 'a', secrets)
    expect(a.find((f) => f.path.endsWith('tsr-center-1.env'))!.content).toContain(
      'TESSERA_CENTER__MYSQL_URL="mysql://tessera:p%40ss%20word@127.0.0.1:3306"',
    )
    // The admin token, when set, goes to the center's env file only.
    const withAdmin = nodeFiles(topology, 'a', { ...secrets, adminToken: 't'.repeat(20) })
    expect(
      withAdmin.filter((f) => f.content.includes('t'.repeat(20))).map((f) => [path.basename(f.path), f.mode]),
    ).toEqual([['tsr-center-1.env', 0o600]])
    expect(withAdmin.find((f) => f.path.endsWith('tsr-center-1.env'))!.content).toContain(
      `TESSERA_CENTER__ADMIN_TOKEN="${'t'.repeat(20)}"`,
    )
    expect(a.find((f) => f.path.endsWith('tsr-center-1.env'))!.content).not.toContain('ADMIN_TOKEN')
    // During a rotation every process also gets the accepted secrets, as the JSON list its config reads.
    expect(a.some((f) => f.content.includes('ACCEPT_SECRETS'))).toBe(false)
    const rotating = nodeFiles(topology, 'a', { ...secrets, clusterAccept: ['o'.repeat(20)] })
    const envOf = (unit: string) => {
      const f = path.join(tmp, `${unit}.env`)
      writeFileSync(f, rotating.find((x) => x.path.endsWith(`/${unit}.env`))!.content)
      return envTree(readEnvFile(f), 'TESSERA_')
    }
    expect(envOf('tsr-center-1')).toMatchObject({
      center: { secret: secrets.clusterSecret, acceptSecrets: ['o'.repeat(20)] },
    })
    expect(envOf('tsr-login-100')).toMatchObject({
      cluster: { secret: secrets.clusterSecret, acceptSecrets: ['o'.repeat(20)] },
    })
    expect(a.map((f) => path.basename(f.path))).toContain('tsr-db-backup.timer')
    // The timer carries the topology's schedule and spread; the service its retention.
    const timer = a.find((f) => f.path.endsWith('tsr-db-backup.timer'))!.content
    expect(timer).toContain('OnCalendar=*-*-* 04:30:00\n')
    expect(timer).toContain('RandomizedDelaySec=300\n')
    expect(timer).toContain('Persistent=true\n')
    expect(a.find((f) => f.path.endsWith('tsr-db-backup.service'))!.content).toContain('| tail -n +15 |')
    expect(files.map((f) => path.basename(f.path))).not.toContain('tsr-db-backup.timer')
    const logic = a.find((f) => f.path.endsWith('tsr-logic-1.service'))!.content
    expect(logic).toMatch(/^After=network-online.target tsr-center-1.service tsr-login-100.service$/m)
  })

  describe.runIf(hasAnalyze || process.env.CI === 'true')('systemd-analyze verify', () => {
    it('accepts every unit of both nodes, the backup service and timer included', () => {
      for (const node of ['a', 'b']) {
        const dir = write(node)
        const units = readdirSync(dir)
        const r = verify(dir, units)
        expect(`${r.stdout}${r.stderr}`).toBe('')
        expect(r.status).toBe(0)
      }
      expect(statSync(path.join(topology.root, 'etc/tsr-center-1.env')).mode & 0o777).toBe(0o600)
    })

    it('catches a broken unit (so the check above can fail)', () => {
      const bad = path.join(tmp, 'bad')
      mkdirSync(bad, { recursive: true })
      const text = nodeFiles(topology, 'a', secrets).find((f) =>
        f.path.endsWith('tsr-logic-1.service'),
      )!.content
      writeFileSync(
        path.join(bad, 'tsr-logic-1.service'),
        text.replace('Restart=on-failure', 'Restart=sometimes'),
      )
      const r = verify(bad, ['tsr-logic-1.service'])
      expect(`${r.stdout}${r.stderr}`).toMatch(/Failed to parse service restart specifier/)
    })
  })
})
