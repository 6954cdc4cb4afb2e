import type { ServiceDefinition } from '@tessera/kernel'
import { type CenterConfig, centerConfigSchema } from './config.js'
import { components } from './generated/components.js'

/**
 * The center as an application: one service of kind `center` built from the
 * components in generated/components.ts. main.ts runs it; the test harness
 * starts the same definition in-process.
 */
export const centerApp = {
  name: 'center',
  schema: centerConfigSchema,
  services: (cfg: CenterConfig): readonly ServiceDefinition[] => [
    { kind: 'center', id: cfg.center.serviceId, components },
  ],
}
