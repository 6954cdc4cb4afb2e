import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { Application, formatAddress, loadConfig, parseAddress, TesseraError } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { type LoginConfig, loginConfigSchema } from './config.js'
import { checkFronts } from './front/index.js'
import { components } from './generated/components.js'
import { runPrimary, STOP_MESSAGE, WORKER_ENV } from './processes/index.js'

// One login node: a node:cluster primary forks `login.processes` workers
// (0 = one per core) sharing the client ports; worker i is the login service
// `login.serviceId + i`.

function load(): LoginConfig {
  try {
    const c = loadConfig({ schema: loginConfigSchema }).value
    // In the primary, before any worker: a refused front must stop the node, not restart workers.
    checkFronts(c.login)
    return c
  } catch (err) {
    const code = err instanceof TesseraError ? err.code : 'CONFIG_ERROR'
    process.stderr.write(`login: ${code}: ${(err as Error).message}\n`)
    process.exit(2)
  }
}

const config = load()
const processes = config.login.processes || availableParallelism()

// Even one worker runs under the primary: it restarts the worker, and sets
// the worker's libuv pool size, which only works before the process starts.
if (cluster.isPrimary) {
  runPrimary({
    processes,
    hashThreads: config.login.argon2.maxConcurrent,
    log: (m) => process.stdout.write(`${m}\n`),
  })
} else {
  const i = Number(process.env[WORKER_ENV] ?? 0)
  await startWorker(i, perWorker(config, i))
}

/**
 * Worker i's own config: its own data directory (snowflake high-water mark)
 * and, on a single node, its own machine id, so ids minted by two workers
 * never collide (in a cluster each worker leases its machine id); its own
 * admin port (port + i) for its own metrics. Client ports are shared.
 */
function perWorker(c: LoginConfig, i: number): LoginConfig {
  const machineId = c.app.machineId === undefined ? undefined : c.app.machineId + i
  if (machineId !== undefined && machineId > 1023) {
    process.stderr.write(`login: app.machineId ${c.app.machineId} + ${i} workers passes 1023\n`)
    process.exit(2)
  }
  let admin = c.admin.listen
  if (admin !== undefined) {
    const a = parseAddress(admin)
    if (a.port !== 0) admin = formatAddress({ ...a, port: a.port + i })
  }
  return {
    ...c,
    app: { ...c.app, dataDir: path.join(c.app.dataDir, `login-${i}`), machineId },
    admin: { ...c.admin, listen: admin },
  }
}

async function startWorker(i: number, c: LoginConfig): Promise<void> {
  const app = new Application<LoginConfig>({
    name: `login-${i}`,
    config: c,
    wire: clusterWire,
    services: (cfg) => [{ kind: 'login', id: cfg.login.serviceId + i, components }],
  })
  app.installProcessHandlers()
  const stop = (why: string) =>
    void app.stop(why).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  process.on('message', (m) => m === STOP_MESSAGE && stop('primary says stop'))
  // The primary is gone (killed): stop rather than serve on unsupervised.
  process.on('disconnect', () => stop('primary gone'))
  try {
    await app.start()
  } catch (err) {
    await app.fatal(err, 'start-up failed')
  }
}
