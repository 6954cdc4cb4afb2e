import { Application } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { logicConfigSchema } from './config.js'
import { components } from './generated/components.js'
import { logicClock } from './test-clock.js'

await Application.main({
  name: 'logic',
  schema: logicConfigSchema,
  wire: clusterWire,
  clock: (cfg) => logicClock(cfg),
  services: (cfg) => [{ kind: 'logic', id: cfg.logic.serviceId, components }],
})
