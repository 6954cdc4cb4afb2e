import { spawn } from 'node:child_process'
import type { TopologyNode } from '../topology/index.js'

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** How deploy runs commands on a node and ships files to it. */
export interface Transport {
  readonly node: string
  /** Run a bash script on the node; `input` goes to its stdin. */
  run(script: string, input?: string | Buffer): Promise<RunResult>
  /** Copy a local file into a folder on the node. */
  copy(localFile: string, remoteDir: string): Promise<void>
}

/** Single-quote for bash. */
export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

function exec(cmd: string, args: string[], input?: string | Buffer): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }))
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

/** `local` nodes: this machine, optionally inside a network namespace (`ip netns exec`). */
class LocalTransport implements Transport {
  constructor(
    readonly node: string,
    private readonly netns: string | undefined,
  ) {}
  run(script: string, input?: string | Buffer): Promise<RunResult> {
    return this.netns
      ? exec('ip', ['netns', 'exec', this.netns, 'bash', '-c', script], input)
      : exec('bash', ['-c', script], input)
  }
  async copy(localFile: string, remoteDir: string): Promise<void> {
    const r = await exec('bash', ['-c', `mkdir -p ${q(remoteDir)} && cp -f ${q(localFile)} ${q(remoteDir)}/`])
    if (r.code !== 0) throw new Error(r.stderr.trim())
  }
}

/** SSH nodes: `ssh target`, files by rsync over the same ssh options. */
class SshTransport implements Transport {
  private readonly ssh: string[]
  constructor(
    readonly node: string,
    private readonly target: string,
    port: number | undefined,
    identityFile: string | undefined,
    knownHostsFile: string | undefined,
  ) {
    // BatchMode: never a password prompt, and an unknown or changed host key
    // is a refusal, not a question.
    this.ssh = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10']
    if (port) this.ssh.push('-p', String(port))
    if (identityFile ?? process.env.TESSERA_SSH_KEY)
      this.ssh.push('-i', (identityFile ?? process.env.TESSERA_SSH_KEY)!)
    if (knownHostsFile)
      this.ssh.push('-o', `UserKnownHostsFile=${knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes')
  }
  run(script: string, input?: string | Buffer): Promise<RunResult> {
    return exec('ssh', [...this.ssh, this.target, `bash -c ${q(script)}`], input)
  }
  async copy(localFile: string, remoteDir: string): Promise<void> {
    const mk = await this.run(`mkdir -p ${q(remoteDir)}`)
    if (mk.code !== 0) throw new Error(mk.stderr.trim())
    const r = await exec('rsync', [
      '-a',
      '--partial',
      '-e',
      `ssh ${this.ssh.join(' ')}`,
      localFile,
      `${this.target}:${remoteDir}/`,
    ])
    if (r.code !== 0) throw new Error(r.stderr.trim())
  }
}

export function transportFor(n: TopologyNode): Transport {
  return 'local' in n.transport
    ? new LocalTransport(n.name, n.transport.netns)
    : new SshTransport(
        n.name,
        n.transport.ssh,
        n.transport.port,
        n.transport.identityFile,
        n.transport.knownHostsFile,
      )
}
