// The SSH transport against a real sshd (Debian's openssh-server) started by
// the test on 127.0.0.1 with keys it makes: commands run with their stdin,
// files arrive by rsync, and a node whose host key is not the pinned one, or
// a client key the node does not know, gets nothing done.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nodeSchema } from '../topology/topology-schema.js'
import { transportFor } from './transport.js'

const SSHD = '/usr/sbin/sshd'
// In CI (CI=true) a machine without sshd is a failure, not a skip.
const run = existsSync(SSHD) || process.env.CI === 'true'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

describe.runIf(run)('ssh transport (real sshd on loopback)', () => {
  let dir: string
  let sshd: ChildProcess | undefined
  let port: number
  const user = os.userInfo().username
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file])
  const node = (o: { identityFile?: string; knownHostsFile?: string }) =>
    transportFor(
      nodeSchema.parse({
        name: 'remote',
        address: '127.0.0.1',
        transport: { ssh: `${user}@127.0.0.1`, port, ...o },
      }),
    )

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-ssh-'))
    port = await freePort()
    keygen(path.join(dir, 'host_key'))
    keygen(path.join(dir, 'client_key'))
    keygen(path.join(dir, 'stranger_key'))
    keygen(path.join(dir, 'other_host_key'))
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')))
    const hostPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ')
    const otherPub = readFileSync(path.join(dir, 'other_host_key.pub'), 'utf8').trim().split(' ').slice(0, 2)
    writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`)
    writeFileSync(path.join(dir, 'wrong_known_hosts'), `[127.0.0.1]:${port} ${otherPub.join(' ')}\n`)
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'UsePAM no',
        '',
      ].join('\n'),
    )
    // Privilege separation needs this directory (a service manager makes it on a real host).
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true })
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let log = ''
    sshd.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c))
    const deadline = Date.now() + 20_000
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1')
        s.once('connect', () => {
          s.destroy()
          resolve(true)
        })
        s.once('error', () => resolve(false))
      })
      if (ok) break
      if (sshd.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${log}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 60_000)

  afterAll(async () => {
    if (sshd && sshd.exitCode === null) {
      const exited = new Promise((r) => sshd!.once('exit', r))
      sshd.kill('SIGTERM')
      await exited
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('runs a script with its stdin and copies a file (rsync over the same ssh options)', async () => {
    const t = node({
      identityFile: path.join(dir, 'client_key'),
      knownHostsFile: path.join(dir, 'known_hosts'),
    })
    const r = await t.run('echo "on $(hostname)"; cat; exit 3', 'from stdin\n')
    expect(r.code).toBe(3)
    expect(r.stdout).toBe(`on ${os.hostname()}\nfrom stdin\n`)
    const local = path.join(dir, 'bundle.tar.gz')
    writeFileSync(local, Buffer.from('release bytes'))
    await t.copy(local, path.join(dir, 'remote', 'releases'))
    expect(readFileSync(path.join(dir, 'remote', 'releases', 'bundle.tar.gz'), 'utf8')).toBe('release bytes')
  }, 60_000)

  it('refuses a node whose host key is not the pinned one (a stand-in on its address)', async () => {
    const t = node({
      identityFile: path.join(dir, 'client_key'),
      knownHostsFile: path.join(dir, 'wrong_known_hosts'),
    })
    const r = await t.run('touch ran-anyway')
    expect(r.code).toBe(255)
    expect(r.stderr).toMatch(/host key|HOST IDENTIFICATION/i)
    await expect(t.copy(path.join(dir, 'known_hosts'), path.join(dir, 'never'))).rejects.toThrow()
    expect(existsSync(path.join(dir, 'never'))).toBe(false)
  }, 60_000)

  it('refuses a client key the node does not know, without prompting', async () => {
    const t = node({
      identityFile: path.join(dir, 'stranger_key'),
      knownHostsFile: path.join(dir, 'known_hosts'),
    })
    const r = await t.run('echo should not run')
    expect(r.code).toBe(255)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/Permission denied/)
  }, 60_000)
})
