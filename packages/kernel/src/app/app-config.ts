import { z } from 'zod'
import { alertsConfigSchema } from '../alerts/index.js'
import { MAX_LINK_SECRETS } from '../cluster/link-auth.js'

/**
 * The cluster secret keys, in `cluster` and in the center's own section
 * (docs/operations.md "Rotating the cluster secret"): `secret` (by
 * reference: TESSERA_CLUSTER__SECRET, TESSERA_CENTER__SECRET) with `acceptSecrets`
 * during a rotation, or a `secretFile` that reloads.
 */
export function clusterSecretFields() {
  return {
    /** Shared cluster secret, by reference (the environment); links without it are refused. */
    secret: z.string().min(16).optional(),
    /**
     * Further secrets accepted from peers during a rotation (JSON list in
     * the environment); links prove `secret` whenever the peer has it.
     */
    acceptSecrets: z
      .array(z.string().min(16))
      .max(MAX_LINK_SECRETS - 1)
      .default([]),
    /**
     * A 0600 file of secrets, one per line, the first preferred, instead of
     * `secret` and `acceptSecrets`: re-read on SIGHUP and when the file
     * changes, so a rotation needs no restart.
     */
    secretFile: z.string().min(1).optional(),
  }
}

/** secretFile excludes secret and acceptSecrets (one source of truth for a reload). */
export function secretsGivenOnce(c: {
  secret?: string | undefined
  acceptSecrets: string[]
  secretFile?: string | undefined
}): boolean {
  return c.secretFile === undefined || (c.secret === undefined && c.acceptSecrets.length === 0)
}
export const SECRETS_GIVEN_ONCE = {
  message: 'give the secrets in secretFile or in secret/acceptSecrets, not both',
  path: ['secretFile'],
}

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
      /**
       * Snowflake machine id (0..1023). In a cluster the center leases it; set
       * it here for a single node. Without it, `ids` is unavailable.
       */
      machineId: z.number().int().min(0).max(1023).optional(),
      /**
       * This process's slot on its node for the machine-id lease: the center
       * keys leases by (node, kind, slot), so each process of one kind on one
       * node needs its own. Default: the id of the process's first service.
       */
      slot: z.number().int().min(0).max(0xffff_ffff).optional(),
      /** Where the process keeps local state (the snowflake high-water mark, journals). */
      dataDir: z.string().min(1).default('data'),
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
  cluster: z
    .strictObject({
      /**
       * The center's cluster address (`host:port` or `tcp://host:port`). Set,
       * the application leases its machine id from the center (unless
       * app.machineId is given), registers each service and starts them when
       * the center says their dependencies are ready. Unset: a single node.
       */
      center: z.string().optional(),
      ...clusterSecretFields(),
      /** Where this process's services accept links from other services. */
      listen: z.string().default('tcp://127.0.0.1:0'),
      /** Service kinds that must be READY before these services start. */
      dependsOn: z.array(z.string().min(1)).default([]),
      /** Per request, ms. */
      requestTimeoutMs: z.number().int().positive().default(5000),
      /**
       * Encrypt cluster links (AES-256-GCM after the handshake, keys from an
       * ephemeral X25519 exchange bound to the cluster secret): this process
       * dials only encrypted and refuses diallers that do not ask. Off, a
       * link is still encrypted when the dialler asks. Turn it on everywhere
       * (docs/cluster.md "Encrypted links").
       */
      encryptLinks: z.boolean().default(false),
    })
    .prefault({})
    .refine((c) => c.center === undefined || c.secret !== undefined || c.secretFile !== undefined, {
      message: 'cluster.secret (or cluster.secretFile) is required when cluster.center is set',
      path: ['secret'],
    })
    .refine(secretsGivenOnce, SECRETS_GIVEN_ONCE),
  admin: z
    .strictObject({
      /** `http://host:port` for /metrics, /admin/state and /healthz (port 0 = any). Unset: none. */
      listen: z.string().optional(),
    })
    .prefault({}),
  calendar: z
    .strictObject({
      /** Local hour (0..23) and minute of the daily reset. */
      resetHour: z.number().int().min(0).max(23).default(5),
      resetMinute: z.number().int().min(0).max(59).default(0),
      /** IANA time zone the reset hour is in. */
      timeZone: z.string().min(1).default('UTC'),
      /** ISO weekday the game week starts on: 1 = Monday … 7 = Sunday. */
      weekStart: z.number().int().min(1).max(7).default(1),
    })
    .prefault({}),
  /** Where alerts go besides the log (docs/alerts.md); none configured: the log only. */
  alerts: alertsConfigSchema.prefault({}),
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
