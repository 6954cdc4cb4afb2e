import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readCoreLimit } from './index.js'

const fixture = fileURLToPath(new URL('./fixtures/demo-app.ts', import.meta.url))

interface Run {
  child: ChildProcess
  lines: Record<string, unknown>[]
  stderr: () => string
  waitFor: (pred: (l: Record<string, unknown>) => boolean) => Promise<void>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(
    process.execPath,
    ['--conditions=tessera-source', '--import', 'tsx', fixture, '--log.pretty', 'false', ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const lines: Record<string, unknown>[] = []
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = []
  let buf = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    buf += c
    let i = buf.indexOf('\n')
    while (i >= 0) {
      const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>
      buf = buf.slice(i + 1)
      lines.push(line)
      for (const w of [...waiters]) if (w.pred(line)) w.resolve()
      i = buf.indexOf('\n')
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    waitFor: (pred) =>
      lines.some(pred)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ pred, resolve })
            void exited.then(() => reject(new Error(`exited before the awaited line; stderr: ${err}`)))
          }),
  }
}

const phases = (r: Run) => r.lines.filter((l) => l.msg === 'phase').map((l) => `${l.component}.${l.phase}`)

describe('Application (real process)', () => {
  it('starts from config, runs, and shuts down gracefully on SIGTERM in reverse order', async () => {
    const r = run([])
    await r.waitFor((l) => l.msg === 'demo running')
    r.child.kill('SIGTERM')
    expect(await r.exited).toEqual({ code: 0, signal: null })
    expect(phases(r)).toEqual([
      'storage.init',
      'game.init',
      'storage.willStartup',
      'game.willStartup',
      'storage.startup',
      'game.startup',
      'storage.ready',
      'game.ready',
      'game.willClose',
      'storage.willClose',
      'game.close',
      'storage.close',
    ])
    const msgs = r.lines.map((l) => l.msg)
    expect(msgs).toContain('configuration loaded')
    expect(msgs.at(-1)).toBe('demo stopped')
    expect(r.lines.find((l) => l.msg === 'starting demo#1')).toMatchObject({
      order: ['storage', 'game'],
    })
  })

  it('exits 2 with one error naming every bad key', async () => {
    const r = run(['--demo.slowCloseMs', '-5', '--log.levl', 'info'])
    expect((await r.exited).code).toBe(2)
    expect(r.stderr()).toContain('CONFIG_INVALID')
    expect(r.stderr()).toContain('demo.slowCloseMs')
    expect(r.stderr()).toContain('log.levl')
  })

  it('reads configuration from the environment', async () => {
    const r = run([], { TESSERA_DEMO__FAIL_IN: 'game.startup' })
    expect((await r.exited).code).toBe(1)
    expect(r.lines.find((l) => l.level === 60)?.err).toMatchObject({ code: 'COMPONENT_PHASE_FAILED' })
  })

  it('a failing phase stops start-up, names component and phase, closes what started in reverse', async () => {
    const r = run(['--demo.failIn', 'game.startup'])
    expect((await r.exited).code).toBe(1)
    const fatal = r.lines.find((l) => l.level === 60) as { err: { message: string } } | undefined
    // pino's err serialiser appends the cause's message.
    expect(fatal?.err.message).toMatch(/^component game failed in phase startup: game refused startup/)
    expect(phases(r).slice(-4)).toEqual([
      'game.willClose',
      'storage.willClose',
      'game.close',
      'storage.close',
    ])
  })

  it('flushes every log line before exiting on a fatal error', async () => {
    const r = run(['--demo.crashAfterLines', '20000'])
    expect((await r.exited).code).toBe(1)
    const busy = r.lines.filter((l) => l.msg === 'busy line')
    expect(busy).toHaveLength(20000)
    const last = r.lines.at(-1) as { level: number; msg: string; err: { message: string } }
    expect(last).toMatchObject({
      level: 60,
      msg: 'uncaught exception',
      err: { message: 'boom after busy lines' },
    })
  })

  it('exits anyway when a graceful shutdown takes longer than the timeout', async () => {
    const r = run(['--demo.slowCloseMs', '5000', '--app.shutdownTimeoutMs', '300'])
    await r.waitFor((l) => l.msg === 'demo running')
    r.child.kill('SIGINT')
    expect((await r.exited).code).toBe(1)
    expect(r.lines.at(-1)).toMatchObject({ level: 60, msg: 'shutdown timed out' })
  })

  it('core-dump settings change this process only', async () => {
    const mine = readCoreLimit()
    const r = run(['--app.coreDump.enabled', 'true'])
    await r.waitFor((l) => l.msg === 'demo running')
    const [soft, hard] = readCoreLimit(r.child.pid!)
    expect(soft).toBe(hard)
    expect(readCoreLimit()).toEqual(mine)
    r.child.kill('SIGTERM')
    await r.exited
    const off = run(['--app.coreDump.enabled', 'false'])
    await off.waitFor((l) => l.msg === 'demo running')
    expect(readCoreLimit(off.child.pid!)[0]).toBe('0')
    expect(readCoreLimit()).toEqual(mine)
    off.child.kill('SIGTERM')
    await off.exited
  })
})
