import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'

/** Debian's chromium; CHROMIUM_PATH overrides it (as the admin page test reads it). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM)
}

/**
 * Headless Chromium driven over the DevTools protocol with a plain `ws`
 * client: launch with --remote-debugging-port=0, read the port from
 * DevToolsActivePort, attach to one page target (flat sessions).
 */
export class Chromium {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()

  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as {
        id?: number
        result?: unknown
        error?: { message: string }
      }
      if (msg.id === undefined) return
      const w = this.waiting.get(msg.id)
      this.waiting.delete(msg.id)
      if (msg.error) w?.reject(new Error(msg.error.message))
      else w?.resolve(msg.result)
    })
  }

  /** `extraArgs`: more command-line switches (e.g. --ignore-certificate-errors-spki-list for a test CA). */
  static async launch(timeoutMs = 20_000, extraArgs: readonly string[] = []): Promise<Chromium> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-chromium-'))
    const proc = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        `--user-data-dir=${dir}`,
        '--remote-debugging-port=0',
        ...extraArgs,
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    proc.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString()
    })
    const end = Date.now() + timeoutMs
    let endpoint = ''
    while (!endpoint) {
      if (proc.exitCode !== null)
        throw new Error(`chromium exited (${proc.exitCode}): ${stderr.slice(-2000)}`)
      if (Date.now() > end) {
        proc.kill('SIGKILL')
        throw new Error(`chromium did not open its DevTools port: ${stderr.slice(-2000)}`)
      }
      try {
        const [port, path] = (await readFile(join(dir, 'DevToolsActivePort'), 'utf8')).trim().split('\n')
        if (port && path) endpoint = `ws://127.0.0.1:${port}${path}`
      } catch {
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const ws = new WebSocket(endpoint, { perMessageDeflate: false })
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res())
      ws.once('error', rej)
    })
    return new Chromium(proc, dir, ws)
  }

  send<T = Record<string, unknown>>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }))
    })
  }

  /** Open `url` in a new page; returns a function evaluating expressions in it. */
  async open(url: string): Promise<(expression: string) => Promise<unknown>> {
    const { targetId } = await this.send<{ targetId: string }>('Target.createTarget', { url })
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    })
    return async (expression) => {
      const r = await this.send<{ result: { value?: unknown }; exceptionDetails?: { text: string } }>(
        'Runtime.evaluate',
        { expression, returnByValue: true, awaitPromise: true },
        sessionId,
      )
      if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.text}`)
      return r.result.value
    }
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 2000))])
    } catch {
      // already gone
    }
    this.ws.terminate()
    if (this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r))
      this.proc.kill('SIGKILL')
      await exited
    }
    await rm(this.dir, { recursive: true, force: true })
  }
}
