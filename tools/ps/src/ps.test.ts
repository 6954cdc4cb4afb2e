import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// Test-only helper from the storage package (real MariaDB, never a stand-in).
import { serverUrl, testDatabase } from '@tessera/storage/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from './cli.js'
import { formatUptime } from './format-table.js'
import { identifyProcess } from './identify-process.js'
import { listTesseraProcesses } from './list-processes.js'
import { decodeAddress } from './listening-ports.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function cli(argv: string[], procRoot?: string) {
  const out: string[] = []
  const err: string[] = []
  const status = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, procRoot)
  return { status, out, err: err.join('\n') }
}

describe('identifyProcess', () => {
  const files: Record<string, string> = {
    '/srv/tessera/logic.json': JSON.stringify({ app: { node: 'node-file' }, logic: { serviceId: 3 } }),
    '/srv/bad.json': '{ not json',
  }
  const facts = (argv: string[], env: Record<string, string> = {}, cwd = '/srv/tessera') => ({
    argv,
    env,
    cwd,
    readFile: (f: string) => files[f],
  })

  it('knows a service by its entry script, source or built, wherever the release lives', () => {
    expect(identifyProcess(facts(['node', '--import', 'tsx', 'services/logic/src/main.ts']))).toMatchObject({
      kind: 'logic',
      script: 'services/logic/src/main.ts',
    })
    expect(
      identifyProcess(facts(['/usr/bin/node', '/opt/tessera/releases/0.1.0/services/gateway/dist/main.js']))
        ?.kind,
    ).toBe('gateway')
    for (const argv of [
      ['node', 'scripts/local-cluster.mjs'],
      ['node', 'my-services/logic/src/main.ts'],
      ['node', 'services/logic/src/other.ts'],
      ['services/logic/dist/main.js'],
      ['bash', '-c', 'echo services/logic/dist/main.js x'],
    ])
      expect(identifyProcess(facts(argv)), argv.join(' ')).toBeUndefined()
  })

  it('reads service id and node as loadConfig layers them: file < environment < arguments', () => {
    const argv = ['node', 'services/logic/dist/main.js', '--config', 'logic.json']
    expect(identifyProcess(facts(argv))).toMatchObject({
      serviceId: 3,
      node: 'node-file',
      configFile: '/srv/tessera/logic.json',
    })
    const env = { TESSERA_LOGIC__SERVICE_ID: '4', TESSERA_APP__NODE: 'node-env' }
    expect(identifyProcess(facts(argv, env))).toMatchObject({ serviceId: 4, node: 'node-env' })
    expect(
      identifyProcess(
        facts([...argv, '--logic.serviceId', '5', '--app.node=node-arg', '--log.pretty', 'false'], env),
      ),
    ).toMatchObject({ serviceId: 5, node: 'node-arg' })
    // Unreadable or broken config: what the rest says, no crash.
    expect(
      identifyProcess(facts(['node', 'services/logic/dist/main.js', '--config', '/srv/bad.json'])),
    ).toMatchObject({
      kind: 'logic',
      serviceId: undefined,
      node: undefined,
    })
    expect(
      identifyProcess(facts(['node', 'services/logic/dist/main.js', '--logic.serviceId', 'x']))?.serviceId,
    ).toBe(undefined)
  })
})

describe('formatting', () => {
  it('decodes /proc/net/tcp addresses', () => {
    expect(decodeAddress('0100007F:0D05')).toBe('127.0.0.1:3333')
    expect(decodeAddress('00000000:0050')).toBe('0.0.0.0:80')
    expect(decodeAddress('00000000000000000000000001000000:1F90')).toBe('[::1]:8080')
    expect(decodeAddress('00000000000000000000000000000000:0016')).toBe('[::]:22')
    expect(decodeAddress('0000000000000000FFFF00000100007F:0ED8')).toBe('[::ffff:127.0.0.1]:3800')
  })

  it('prints uptimes compactly', () => {
    expect([5, 725, 3 * 3600 + 7 * 60, 2 * 86400 + 4 * 3600].map(formatUptime)).toEqual([
      '5s',
      '12m05s',
      '3h07m',
      '2d04h',
    ])
  })
})

describe('tessera-ps on a real center process', () => {
  it('lists it with kind, id, node, pid, uptime, RSS and its listening ports; not after it stops', {
    timeout: 90_000,
  }, async () => {
    const url = await serverUrl()
    const db = await testDatabase('ps')
    cleanups.push(() => db.drop())
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-ps-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const config = path.join(dir, 'center.json')
    writeFileSync(
      config,
      JSON.stringify({ app: { node: 'ps-test-node' }, log: { level: 'info', pretty: false } }),
    )
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        'services/center/src/main.ts',
        '--config',
        config,
        '--center.serviceId',
        '5',
        '--center.listen',
        'tcp://127.0.0.1:0',
        '--center.admin',
        'http://127.0.0.1:0',
        '--center.mysqlUrl',
        url,
        '--center.database',
        db.name,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TESSERA_CENTER__SECRET: 'ps-test-secret-0123456789' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const exited = new Promise((r) => child.once('exit', r))
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    })
    const listening = await new Promise<{ address: string; admin: string }>((resolve, reject) => {
      let buf = ''
      let err = ''
      let admin = ''
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString()
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          // The admin endpoint opens (startup phase) before the cluster listener (ready).
          if (line.includes('"center: admin listening"'))
            admin = (JSON.parse(line) as { admin: string }).admin
          if (line.includes('"center: listening"'))
            resolve({ address: (JSON.parse(line) as { address: string }).address, admin })
        }
      })
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString()
      })
      child.once('exit', (code) => reject(new Error(`center exited (${code}) before listening: ${err}`)))
    })
    const port = (u: string) => new URL(u).port
    const mine = listTesseraProcesses({ kind: 'center' }).find((p) => p.pid === child.pid)
    expect(mine).toMatchObject({
      kind: 'center',
      serviceId: 5,
      node: 'ps-test-node',
      script: 'services/center/src/main.ts',
      configFile: config,
    })
    expect(mine!.uptimeSec).toBeGreaterThanOrEqual(0)
    expect(mine!.cpuSec).toBeGreaterThan(0)
    expect(mine!.rssBytes).toBeGreaterThan(1024 * 1024)
    expect(mine!.ports).toEqual(
      [`127.0.0.1:${port(listening.address)}`, `127.0.0.1:${port(listening.admin)}`].sort(),
    )
    // The CLI shows the same process, as JSON and as a table row.
    const json = await cli(['--json', '--kind', 'center'])
    expect(json.status).toBe(0)
    expect((JSON.parse(json.out[0]!) as { pid: number }[]).some((p) => p.pid === child.pid)).toBe(true)
    const table = await cli([])
    expect(table.out[0]).toMatch(/^KIND\s+ID\s+NODE\s+PID\s+UPTIME\s+CPU%\s+RSS\s+PORTS$/)
    expect(table.out.find((l) => l.split(/\s+/)[3] === String(child.pid))).toMatch(
      /^center\s+5\s+ps-test-node\s/,
    )
    expect((await cli(['--kind', 'no-such-kind'])).err).toBe('no Tessera processes')
    // Stopped: gone from the list.
    child.kill('SIGTERM')
    await exited
    expect(listTesseraProcesses().some((p) => p.pid === child.pid)).toBe(false)
  })

  it('exit 1 naming the path when there is no /proc; 2 for bad usage', async () => {
    const r = await cli([], '/nonexistent-proc')
    expect(r.status).toBe(1)
    expect(r.err).toMatch(/^tessera-ps: PS_NO_PROC: cannot read \/nonexistent-proc: ENOENT/)
    expect((await cli(['--bogus'])).status).toBe(2)
  })
})
