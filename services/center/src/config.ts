import { appConfigSchema } from '@tessera/kernel'
import { z } from 'zod'

export const centerConfigSchema = appConfigSchema.extend({
  center: z
    .strictObject({
      /** This center's service id. */
      serviceId: z.number().int().min(1).default(1),
      /** How often the status line is logged. */
      statusIntervalMs: z.number().int().positive().default(5000),
    })
    .prefault({}),
})

export type CenterConfig = z.output<typeof centerConfigSchema>
