import cluster from 'node:cluster'
import path from 'node:path'
import { Application, formatAddress, loadConfig, parseAddress, TesseraError } from '@tessera/kernel'
import { type GatewayConfig, gatewayConfigSchema } from './config.js'
import { components } from './generated/components.js'
import { runWorkers } from './workers.js'

// One process, or (gateway.workers > 0) a primary that forks that many
// gateway processes sharing the client ports through node:cluster; worker i
// is service gateway.serviceId + i. Not TESSERA_-prefixed: those variables
// are configuration keys (this one would be refused as unknown).
const WORKER_ENV = 'GATEWAY_WORKER_INDEX'

let config: GatewayConfig
let sources: string[]
try {
  ;({ value: config, sources } = loadConfig({ schema: gatewayConfigSchema }))
} catch (err) {
  const code = err instanceof TesseraError ? err.code : 'CONFIG_ERROR'
  process.stderr.write(`gateway: ${code}: ${(err as Error).message}\n`)
  process.exit(2)
}

const worker = process.env[WORKER_ENV]
if (worker === undefined && config.gateway.workers > 0 && cluster.isPrimary)
  runWorkers({ workers: config.gateway.workers, env: WORKER_ENV, dataDir: config.app.dataDir })
else if (worker === undefined) await start(0, config)
else await start(Number(worker), perWorker(config, Number(worker)))

/**
 * Worker i's own config: its own data directory (snowflake high-water mark),
 * on a single node its own machine id (ids minted by two workers never
 * collide; in a cluster each worker leases one), its own admin port
 * (port + i). The client ports are shared.
 */
function perWorker(c: GatewayConfig, i: number): GatewayConfig {
  const machineId = c.app.machineId === undefined ? undefined : c.app.machineId + i
  if (machineId !== undefined && machineId > 1023) {
    process.stderr.write(`gateway: app.machineId ${c.app.machineId} + worker ${i} passes 1023\n`)
    process.exit(2)
  }
  let admin = c.admin.listen
  if (admin !== undefined) {
    const a = parseAddress(admin)
    if (a.port !== 0) admin = formatAddress({ ...a, port: a.port + i })
  }
  return {
    ...c,
    app: { ...c.app, dataDir: path.join(c.app.dataDir, `gateway-${i}`), machineId },
    admin: { ...c.admin, listen: admin },
  }
}

async function start(index: number, c: GatewayConfig): Promise<void> {
  const app = new Application<GatewayConfig>({
    name: 'gateway',
    config: c,
    services: (cfg) => [{ kind: 'gateway', id: cfg.gateway.serviceId + index, components }],
  })
  app.logger.info({ sources, worker: cluster.isWorker ? index : undefined }, 'configuration loaded')
  app.installProcessHandlers()
  // A worker whose primary is gone (killed) stops rather than serve on unsupervised.
  if (cluster.isWorker)
    process.on('disconnect', () => {
      void app.stop('primary gone').then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  try {
    await app.start()
  } catch (err) {
    await app.fatal(err, 'start-up failed')
  }
}
