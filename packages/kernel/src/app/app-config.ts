import { z } from 'zod'

/**
 * Configuration every Application understands. A service extends it with its
 * own sections: `appConfigSchema.extend({ chat: chatSchema })`. Objects are
 * strict so a misspelt key is an error that names it.
 */
export const appConfigSchema = z.strictObject({
  app: z
    .strictObject({
      /** Node name in the cluster (one machine or container). */
      node: z.string().min(1).default('local'),
      /** Grace period for a graceful shutdown before the process exits anyway. */
      shutdownTimeoutMs: z.number().int().positive().default(10_000),
      coreDump: z
        .strictObject({
          /** Raise this process's RLIMIT_CORE soft limit to its hard limit. Never touches system settings. */
          enabled: z.boolean().default(false),
          /** Also write Node diagnostic reports on fatal errors into this directory. */
          reportDirectory: z.string().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      pretty: z.union([z.boolean(), z.literal('auto')]).default('auto'),
      file: z.string().optional(),
    })
    .prefault({}),
  memory: z
    .strictObject({
      sampleIntervalMs: z.number().int().positive().default(10_000),
      /** Samples kept for the growth check. */
      window: z.number().int().min(3).default(30),
      /** RSS growth per minute, sustained over the window, that raises a leak warning. */
      leakWarnBytesPerMin: z
        .number()
        .int()
        .positive()
        .default(8 * 1024 * 1024),
    })
    .prefault({}),
})

export type AppConfig = z.output<typeof appConfigSchema>
