import { Application } from '@tessera/kernel'
import { centerConfigSchema } from './config.js'
import { components } from './generated/components.js'

await Application.main({
  name: 'center',
  schema: centerConfigSchema,
  services: (cfg) => [{ kind: 'center', id: cfg.center.serviceId, components }],
})
