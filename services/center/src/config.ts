import { appConfigSchema, clusterSecretFields, SECRETS_GIVEN_ONCE, secretsGivenOnce } from '@tessera/kernel'
import { z } from 'zod'

export const centerConfigSchema = appConfigSchema.extend({
  center: z
    .strictObject({
      /** This center's service id. */
      serviceId: z.number().int().min(1).default(1),
      /** How often the status line is logged. */
      statusIntervalMs: z.number().int().positive().default(5000),
      /** Cluster link address services and the machine-id tool connect to. */
      listen: z.string().default('tcp://127.0.0.1:3800'),
      /** Admin endpoint: /metrics, /admin/state, /admin/cluster. Empty = none. */
      admin: z.string().default('http://127.0.0.1:3809'),
      /**
       * Bearer token of the admin endpoint's operator actions (its POST
       * routes; docs/operations.md). Set it through TESSERA_CENTER__ADMIN_TOKEN
       * or `adminTokenFile`, not the config file. Neither set: every operator
       * action is refused (401).
       */
      adminToken: z.string().min(16).optional(),
      /** A file holding the admin token (surrounding whitespace ignored); read at start. */
      adminTokenFile: z.string().min(1).optional(),
      /** The operator web page on the admin endpoint (/ui; docs/operations.md "Admin web page"). */
      ui: z
        .strictObject({
          /** Operators file (`pnpm tessera-operator add`); unset: nobody can log in. */
          operatorsFile: z.string().min(1).optional(),
          /** How often the center samples every service's /metrics for the charts (one hour is kept). */
          sampleIntervalMs: z.number().int().min(1000).default(10_000),
          /** Longest wait for one service's /metrics or /admin/state. */
          scrapeTimeoutMs: z.number().int().positive().default(2000),
          /** A session unused this long ends. */
          sessionIdleMs: z
            .number()
            .int()
            .positive()
            .default(30 * 60_000),
          /** A session ends this long after login. */
          sessionMaxAgeMs: z
            .number()
            .int()
            .positive()
            .default(12 * 3600_000),
          /** Failed logins allowed per client address and per operator name within loginWindowMs. */
          loginFailures: z.number().int().positive().default(5),
          loginWindowMs: z
            .number()
            .int()
            .positive()
            .default(15 * 60_000),
          /** More origins allowed to POST, e.g. a reverse proxy's "https://ops.example.com". */
          origins: z.array(z.string().url()).default([]),
        })
        .prefault({}),
      /**
       * The shard table (docs/operations.md "Players across logic
       * processes"): set it to the gateways' `gateway.shards` and
       * `gateway.logicSlots`; at the first start the center seeds its table
       * from them (shard mod slots, so nothing moves) and from then on
       * gateways and logic route players by the table. Unset: no table.
       */
      shards: z
        .strictObject({
          count: z.number().int().min(1).max(65_536),
          slots: z.array(z.number().int().min(1)).min(1),
        })
        .optional(),
      /** How long the center waits for the receiving logic to finish one group of a shard move. */
      shardMoveWaitMs: z.number().int().positive().default(120_000),
      /** How long an operator action waits for every gateway's answer. */
      adminWaitMs: z.number().int().positive().default(3000),
      /**
       * Shared cluster secret (set it through TESSERA_CENTER__SECRET, not the
       * file), with `acceptSecrets` during a rotation; or `secretFile`, which
       * reloads on SIGHUP (docs/operations.md "Rotating the cluster secret").
       */
      ...clusterSecretFields(),
      /** Refuse cluster links that are not encrypted (cluster.encryptLinks on every service). Default false. */
      encryptLinks: z.boolean().default(false),
      /** MySQL server for machine-id leases and ownership epochs. */
      mysqlUrl: z.string().default('mysql://root@127.0.0.1:3306'),
      database: z.string().default('tessera_center'),
      /**
       * Every database operation (a statement, or a whole transaction with
       * its wait for a connection) gets this long; then it fails with
       * CENTER_NO_DATABASE. Below the services' request timeout (5 s), so they
       * hear the center's error rather than their own timeout.
       */
      dbTimeoutMs: z.number().int().positive().default(3000),
      /** A machine id unused (not renewed) this long may go to another (node, kind, slot). */
      leaseMs: z
        .number()
        .int()
        .positive()
        .default(24 * 3600 * 1000),
      /**
       * A process holding a machine id and not renewed this long (not
       * registered, center unable to reach it) is presumed gone: another
       * process with the same (node, kind, slot) may then take the id over.
       */
      holderTtlMs: z.number().int().positive().default(30_000),
      /** Ids handed out: 0..machineIds-1. */
      machineIds: z.number().int().min(1).max(1024).default(1024),
      heartbeatMs: z.number().int().positive().default(1000),
      /** A service silent this long is dropped from the registry. */
      heartbeatTimeoutMs: z.number().int().positive().default(5000),
    })
    .prefault({})
    .refine((c) => c.secret !== undefined || c.secretFile !== undefined, {
      message: 'center.secret (or center.secretFile) is required',
      path: ['secret'],
    })
    .refine(secretsGivenOnce, SECRETS_GIVEN_ONCE),
})

export type CenterConfig = z.output<typeof centerConfigSchema>
