import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface TestProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** Lines of stdout so far. */
  readonly lines: string[]
  /** Everything written to stderr so far. */
  stderr(): string
  /** Resolves once the process has exited and its output is fully read ('close', not 'exit'). */
  readonly exited: Promise<Exit>
  /** The first stdout line (so far or later) matching `pred`; rejects if the process ends first. */
  waitForLine(pred: (line: string) => boolean): Promise<string>
}

/** Start a real process with piped output, collected line by line. Stop it with {@link stopProcess}. */
export function spawnProcess(command: string, args: readonly string[], opts: SpawnOptions = {}): TestProcess {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  const lines: string[] = []
  const waiters = new Set<{ pred: (l: string) => boolean; resolve: (l: string) => void }>()
  let buf = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      lines.push(line)
      for (const w of waiters)
        if (w.pred(line)) {
          waiters.delete(w)
          w.resolve(line)
        }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c
  })
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    pid: child.pid,
    lines,
    stderr: () => err,
    exited,
    waitForLine: (pred) => {
      const seen = lines.find(pred)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise<string>((resolve, reject) => {
        waiters.add({ pred, resolve })
        void exited.then((e) =>
          reject(new Error(`process ${child.pid} exited (${e.code ?? e.signal}) first; stderr: ${err}`)),
        )
      })
    },
  }
}

/** True while a process with this pid exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Stop a process by its pid: `signal` first, SIGKILL if it is still there
 * after `graceMs`. Resolves once it is gone (its exit reported for a
 * {@link TestProcess}, or the pid no longer existing).
 */
export async function stopProcess(
  target: TestProcess | number,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  const pid = typeof target === 'number' ? target : target.pid
  const gone =
    typeof target === 'number'
      ? async () => {
          while (isRunning(pid)) await new Promise((r) => setTimeout(r, 10))
        }
      : async () => {
          await target.exited
        }
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {
      // Already gone between the check and the signal.
    }
  }
  if (!isRunning(pid)) return gone()
  kill(signal)
  const killer = setTimeout(() => kill('SIGKILL'), graceMs)
  try {
    await gone()
  } finally {
    clearTimeout(killer)
  }
}
