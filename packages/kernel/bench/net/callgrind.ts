// Count the user-space instructions a bench server spends on a window of
// echoed messages, with valgrind's callgrind (the instructions benches).
// The server starts with instrumentation off; it is switched on
// (callgrind_control) only for `window` messages after `warmupMs`, so
// start-up and JIT warm-up are left out.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import type { Load } from './load.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function haveValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * Run `server` (script and its arguments) under callgrind, drive it with the
 * load `startLoad` builds from the server's first IPC message, and return
 * the messages echoed and the instructions counted in the window.
 */
export async function countInstructions(
  kase: string,
  server: string[],
  startLoad: (first: Record<string, unknown>) => Promise<Load>,
  opts: { warmupMs: number; window: number; windowTimeoutMs: number },
): Promise<{ messages: number; instructions: number }> {
  const proc: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--callgrind-out-file=/dev/null',
      // JIT code is rewritten in place: make valgrind notice.
      '--smc-check=all-non-file',
      process.execPath,
      ...process.execArgv,
      ...server,
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  )
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  try {
    const first = await new Promise<Record<string, unknown>>((res, rej) => {
      proc.once('message', (m) => res(m as Record<string, unknown>))
      proc.once('exit', (c) =>
        rej(new Error(`${kase}: server under valgrind exited (${c}): ${stderr.slice(-500)}`)),
      )
    })
    const load = await startLoad(first)
    await sleep(opts.warmupMs)
    execFileSync('callgrind_control', ['-i', 'on', String(proc.pid)], { stdio: 'ignore' })
    load.reset()
    const deadline = Date.now() + opts.windowTimeoutMs
    while (load.received() < opts.window && Date.now() < deadline) await sleep(20)
    execFileSync('callgrind_control', ['-i', 'off', String(proc.pid)], { stdio: 'ignore' })
    const messages = load.received()
    load.close()
    // A clean exit makes valgrind print the totals of what it counted.
    proc.send('exit')
    await exited
    const instructions = Number(/Collected : (\d+)/.exec(stderr)?.[1] ?? Number.NaN)
    if (!Number.isFinite(instructions)) throw new Error(`${kase}: no callgrind totals: ${stderr.slice(-500)}`)
    return { messages, instructions }
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}
