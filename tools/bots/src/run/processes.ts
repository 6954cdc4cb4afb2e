// --processes P: the bots split over P child processes (each under the
// per-process file limit), their snapshots merged by the parent.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunOptions, RunSnapshot } from './run-bots.js'
import type { FromWorker, ToWorker } from './worker.js'

/** Bots one process may hold: one game socket each, plus login connections, under 20,000 open files. */
export const MAX_BOTS_PER_PROCESS = 18_000

/** Share of bot `k` of `p`: the first ones take the remainder. */
export function share(total: number, p: number, k: number): number {
  return Math.floor(total / p) + (k < total % p ? 1 : 0)
}

export async function runInProcesses(
  o: Omit<RunOptions, 'onTick' | 'stop'>,
  processes: number,
  hooks: { onTick?: (runs: RunSnapshot[]) => void; stop?: AbortSignal },
): Promise<RunSnapshot[]> {
  // The worker is a sibling module: worker.ts from the sources (tsx), worker.js once built.
  const self = fileURLToPath(import.meta.url)
  const workerPath = self.replace(/processes\.(ts|js)$/, 'worker.$1')
  const latest: (RunSnapshot | undefined)[] = Array.from({ length: processes })
  const children = Array.from({ length: processes }, (_v, k) => {
    const child = fork(workerPath, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // From the sources the worker needs the TypeScript loader, whoever started us (a test runner too).
      execArgv: workerPath.endsWith('.ts') ? ['--conditions=tessera-source', '--import', 'tsx'] : [],
    })
    const done = new Promise<RunSnapshot>((resolve, reject) => {
      child.on('message', (m: FromWorker) => {
        if (m.type === 'error') reject(new Error(`bot process ${k}: ${m.message}`))
        else {
          latest[k] = m.snapshot
          if (m.type === 'done') resolve(m.snapshot)
        }
      })
      child.on('exit', (code) => {
        if (latest[k]?.done !== true)
          reject(new Error(`bot process ${k} exited with ${code} before its report`))
      })
    })
    const options: ToWorker = {
      type: 'start',
      options: {
        ...o,
        bots: share(o.bots, processes, k),
        rampPerS: o.rampPerS / processes,
        namePrefix: `${o.namePrefix ?? ''}p${k}-`,
        // Each process starts at a different source address.
        sourceIps: o.sourceIps.map((_ip, i) => o.sourceIps[(i + k) % o.sourceIps.length]!),
      },
    }
    child.send(options)
    return { child, done }
  })
  const stopAll = () => {
    for (const c of children) if (c.child.connected) c.child.send({ type: 'stop' } satisfies ToWorker)
  }
  hooks.stop?.addEventListener('abort', stopAll, { once: true })
  const tick = setInterval(() => {
    const have = latest.filter((s): s is RunSnapshot => s !== undefined)
    if (have.length) hooks.onTick?.(have)
  }, 1000)
  try {
    return await Promise.all(children.map((c) => c.done))
  } catch (err) {
    for (const c of children) c.child.kill('SIGTERM')
    throw err
  } finally {
    clearInterval(tick)
    hooks.stop?.removeEventListener('abort', stopAll)
  }
}
