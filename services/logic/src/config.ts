import { appConfigSchema } from '@tessera/kernel'
import { z } from 'zod'

export const logicConfigSchema = appConfigSchema.extend({
  logic: z
    .strictObject({
      /** Cluster-unique id of this logic service. */
      serviceId: z.number().int().min(1).default(1),
      /** How often each logic service pings the other logic services (0 = never). */
      peerPingMs: z.number().int().min(0).default(2000),
    })
    .prefault({}),
})

export type LogicConfig = z.output<typeof logicConfigSchema>
