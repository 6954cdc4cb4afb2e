import { Application } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { loginConfigSchema } from './config.js'
import { components } from './generated/components.js'

await Application.main({
  name: 'login',
  schema: loginConfigSchema,
  wire: clusterWire,
  services: (cfg) => [{ kind: 'login', id: cfg.login.serviceId, components }],
})
