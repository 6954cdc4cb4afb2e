import cluster, { type Worker } from 'node:cluster'

// Not TESSERA_-prefixed: those are config keys.
export const WORKER_ENV = 'LOGIN_WORKER_INDEX'
/** What the primary sends a worker to stop it gracefully (a message, not a signal: a terminal's Ctrl-C already signals every worker, and a second signal means "exit now"). */
export const STOP_MESSAGE = 'tessera:login:stop'

export interface PrimaryOptions {
  processes: number
  /** Argon2id jobs a worker runs at once (login.argon2.maxConcurrent). */
  hashThreads: number
  log: (msg: string) => void
  /** A worker that dies this soon after its start is not restarted at once (crash loop). */
  minUptimeMs?: number
}

/**
 * The node:cluster primary of a login node: forks `processes` workers (each
 * a whole login service with its own service id, all listening on the same
 * client ports; the primary hands each new connection to one of them, round
 * robin), restarts a worker that dies, and on SIGTERM/SIGINT tells every
 * worker to stop gracefully and exits when they are gone. Holds no state and
 * opens no database: a worker's crash never takes the others down.
 */
export function runPrimary(o: PrimaryOptions): void {
  const minUptimeMs = o.minUptimeMs ?? 5_000
  const started = new Map<number, number>()
  const index = new Map<Worker, number>()
  let stopping = false
  let exitCode = 0
  // Hashes run on libuv's pool (default 4 threads), as do DNS lookups and
  // file I/O: give the hashes their own threads on top of the usual four.
  const threadpool = process.env.UV_THREADPOOL_SIZE ?? String(Math.min(1024, o.hashThreads + 4))

  const fork = (i: number) => {
    const w = cluster.fork({ [WORKER_ENV]: String(i), UV_THREADPOOL_SIZE: threadpool })
    index.set(w, i)
    started.set(i, Date.now())
  }

  cluster.on('exit', (w, code, signal) => {
    const i = index.get(w)
    index.delete(w)
    if (i === undefined) return
    if (stopping) {
      if (code !== 0 && exitCode === 0) exitCode = 1
      if (index.size === 0) process.exit(exitCode)
      return
    }
    if (code === 2) {
      // The worker refused its configuration: every restart would too.
      o.log(`login worker ${i} refused its configuration; stopping`)
      exitCode = 2
      stop('SIGTERM')
      return
    }
    const up = Date.now() - (started.get(i) ?? 0)
    o.log(`login worker ${i} (pid ${w.process.pid}) exited (${signal ?? code}) after ${up} ms; restarting`)
    // A worker that cannot even start (bad config, database down) would
    // spin; wait before trying again.
    setTimeout(() => !stopping && fork(i), up < minUptimeMs ? minUptimeMs : 0)
  })

  function stop(sig: NodeJS.Signals): void {
    if (stopping) {
      for (const w of index.keys()) w.process.kill('SIGKILL')
      process.exit(130)
    }
    stopping = true
    o.log(`login primary: ${sig}, stopping ${index.size} workers`)
    if (index.size === 0) process.exit(exitCode)
    for (const w of index.keys()) if (w.isConnected()) w.send(STOP_MESSAGE)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // Certificate reload: every worker holds its own TLS listeners.
  process.on('SIGHUP', () => {
    for (const w of index.keys()) w.process.kill('SIGHUP')
  })
  for (let i = 0; i < o.processes; i++) fork(i)
}
