import cluster from 'node:cluster'
import path from 'node:path'
import { Application, loadConfig } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { gatewayConfigSchema } from './config.js'
import { components } from './generated/components.js'
import { runWorkers } from './workers.js'

// One process, or (gateway.workers > 0) a primary that forks that many
// gateway processes sharing the client ports through node:cluster; worker i
// is service gateway.serviceId + i.
const WORKER_ENV = 'TESSERA_GATEWAY_WORKER'

const worker = process.env[WORKER_ENV]
if (worker === undefined) {
  let workers = 0
  let dataDir = 'data'
  try {
    const cfg = loadConfig({ schema: gatewayConfigSchema }).value
    workers = cfg.gateway.workers
    dataDir = cfg.app.dataDir
  } catch {
    // Application.main reports configuration errors below.
  }
  if (workers > 0 && cluster.isPrimary) runWorkers({ workers, env: WORKER_ENV, dataDir })
  else await start(0, [])
} else {
  const i = Number(worker)
  const cfg = loadConfig({ schema: gatewayConfigSchema }).value
  // Each worker keeps its local state apart (it is its own service).
  await start(i, ['--app.dataDir', path.join(cfg.app.dataDir, `gateway-${i}`)])
}

async function start(index: number, extraArgs: string[]): Promise<void> {
  await Application.main({
    name: 'gateway',
    schema: gatewayConfigSchema,
    wire: clusterWire,
    argv: [...process.argv.slice(2), ...extraArgs],
    services: (cfg) => [{ kind: 'gateway', id: cfg.gateway.serviceId + index, components }],
  })
}
