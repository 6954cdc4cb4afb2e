import cluster, { type Worker } from 'node:cluster'

export interface WorkersOptions {
  workers: number
  /** Environment variable that tells a worker its index. */
  env: string
  dataDir: string
  /** Delay before a worker that died is replaced. */
  restartDelayMs?: number
}

/**
 * The node:cluster primary: forks the gateway workers (they share the
 * listening ports; the primary hands new connections out round-robin),
 * replaces a worker that dies with one of the same index (so the same
 * service id), on SIGINT/SIGTERM stops them all before exiting, and passes
 * SIGHUP on (each worker reloads its TLS certificates).
 */
export function runWorkers(o: WorkersOptions): void {
  cluster.schedulingPolicy = cluster.SCHED_RR
  const byIndex = new Map<number, Worker>()
  let stopping = false
  const fork = (i: number) => {
    const w = cluster.fork({ [o.env]: String(i) })
    byIndex.set(i, w)
    w.on('exit', (code, signal) => {
      if (byIndex.get(i) === w) byIndex.delete(i)
      if (stopping) {
        if (byIndex.size === 0) process.exit(0)
        return
      }
      process.stderr.write(
        `gateway worker ${i} (pid ${w.process.pid}) exited (${signal ?? code}); restarting\n`,
      )
      setTimeout(() => fork(i), o.restartDelayMs ?? 500)
    })
  }
  for (let i = 0; i < o.workers; i++) fork(i)
  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    for (const w of byIndex.values()) w.process.kill(sig)
    if (byIndex.size === 0) process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // Certificate reload: every worker holds its own TLS listeners.
  process.on('SIGHUP', () => {
    for (const w of byIndex.values()) w.process.kill('SIGHUP')
  })
}
