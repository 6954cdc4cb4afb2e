import { z } from 'zod'
import { parseCalendar } from '../schedule/index.js'

/**
 * A secret by reference: the name of an environment variable on the machine
 * running `deploy`, or a file there. Never the value itself: topology files
 * are committed, secrets are not.
 */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name') }),
  z.strictObject({ file: z.string().startsWith('/', 'an absolute path') }),
])
export type SecretRef = z.output<typeof secretRefSchema>

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'lower-case letters, digits and dashes, starting with a letter')
const port = z.number().int().min(1).max(65535)

const absPath = z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path without spaces or quotes')

/** A PEM file on the node, by path: never the PEM text itself (topology files are committed). */
const pemFile = z
  .string()
  .regex(/^\/[A-Za-z0-9._/@+-]*$/, 'an absolute file path on the node (not the PEM text)')

/**
 * Certificates of the TLS client ports (login `https`, gateway `tls`/`wss`),
 * as files on the node: the kernel's `tls` section (docs/operations.md "TLS
 * on client ports"). The first pair is served by default, the others by SNI.
 * Deploy checks the files on the node (env-init, up) and never copies them.
 */
export const tlsRefSchema = z.strictObject({
  certs: z
    .array(
      z.strictObject({
        /** Certificate chain (leaf first, then intermediates), PEM. */
        cert: pemFile,
        /** Its private key, PEM; not readable by everyone (mode o-r). */
        key: pemFile,
      }),
    )
    .min(1),
  /** Oldest protocol accepted (TLS 1.0 and 1.1 never are). */
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).optional(),
})
export type TlsRef = z.output<typeof tlsRefSchema>

export const nodeSchema = z.strictObject({
  name,
  /** Install root on this node, when not the topology's. */
  root: absPath.optional(),
  /** Address the node's services listen on and other nodes reach it at. */
  address: z.union([z.ipv4(), z.ipv6()]),
  /**
   * How `deploy` reaches the node: `local` (this machine) or `ssh` with a
   * target (`user@host`). `netns` runs the node's commands inside a network
   * namespace of this machine (the deploy test's simulated nodes).
   */
  transport: z.union([
    z.strictObject({
      local: z.literal(true),
      netns: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]+$/)
        .optional(),
    }),
    z.strictObject({
      ssh: z.string().min(1),
      port: port.optional(),
      identityFile: z.string().optional(),
      /**
       * known_hosts file holding the node's host key: deploy then talks only
       * to that key (StrictHostKeyChecking=yes); default the user's own.
       */
      knownHostsFile: z.string().optional(),
    }),
  ]),
  /** Certificates of this node's TLS client ports, when not the topology's (a service's own `tls` wins). */
  tls: tlsRefSchema.optional(),
})

export const serviceSchema = z.strictObject({
  /** Service kind: center, login, logic, gateway (the folder under services/). */
  kind: name,
  node: name,
  /** Processes of this kind on the node; process i uses each base port + i. */
  count: z.number().int().min(1).max(64).default(1),
  /** Base ports per stack; which ones a kind needs is in service-kinds.ts. */
  ports: z.record(z.string().regex(/^[a-z]+$/), port),
  /** Service id of the first process (the next ones count up). Default: next free id of the kind. */
  firstId: z.number().int().min(1).optional(),
  /** Extra configuration merged into every process's config file (not secrets). */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Certificates of this entry's TLS client ports (wins over its node's and the topology's `tls`). */
  tls: tlsRefSchema.optional(),
  /**
   * Login only: allow its plaintext `http` port on the node's (network)
   * address. Hand-off tokens and passwords then travel in clear: only for a
   * private network or a TLS proxy in front. Without it an `http` port is a
   * validation error.
   */
  plaintext: z.boolean().optional(),
})

export const topologySchema = z.strictObject({
  /** Editors' JSON Schema reference (deploy/topology.schema.json); ignored. */
  $schema: z.string().optional(),
  /** Cluster name: prefixes units and names the system user's directories. */
  cluster: name,
  /** Install root on every node. */
  root: absPath.default('/opt/tessera'),
  /** System user the services run as (`root` only for tests). */
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/)
    .default('tessera'),
  /** Node.js on the nodes (an absolute path; units name it). */
  nodeBin: absPath.default('/usr/bin/node'),
  /** `systemd`, or `supervisor` where systemd is not PID 1 (containers, the deploy test). */
  manager: z.enum(['systemd', 'supervisor']).default('systemd'),
  /** The game day's reset hour and time zone (every service's calendar). */
  reset: z
    .strictObject({
      hour: z.number().int().min(0).max(23).default(5),
      minute: z.number().int().min(0).max(59).default(0),
      timeZone: z.string().default('UTC'),
    })
    .prefault({}),
  mariadb: z.strictObject({
    node: name,
    port: port.default(3306),
    user: z.string().min(1).default('tessera'),
    password: secretRefSchema.optional(),
    /**
     * OnCalendar= of the backup timer (systemd.time(7), node local time), e.g.
     * `*-*-* 04:30:00`, `daily`, `Mon..Fri 03:00`; empty: no scheduled backup.
     */
    backupSchedule: z
      .string()
      .default('*-*-* 04:30:00')
      .superRefine((v, ctx) => {
        if (v === '') return
        try {
          parseCalendar(v)
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `not a calendar event: ${(err as Error).message}` })
        }
      }),
    /** Spread of the start after each elapse (RandomizedDelaySec=), seconds. */
    backupRandomDelaySec: z.number().int().min(0).max(86_400).default(300),
    /** Databases the backup timer dumps. */
    backupDatabases: z
      .array(z.string().regex(/^[a-zA-Z0-9_]+$/))
      .min(1)
      .default(['tessera_center']),
    /** Backups kept per database on the database node (the oldest beyond it are deleted after each run). */
    backupKeep: z.number().int().min(1).max(10_000).default(14),
  }),
  secrets: z.strictObject({
    /** The cluster secret every service link proves (at least 16 characters). */
    cluster: secretRefSchema,
    /**
     * During a cluster secret rotation: further secrets every process also
     * accepts (at most 3, each at least 16 characters); `cluster` stays the
     * one links prove whenever the peer has it (docs/operations.md
     * "Rotating the cluster secret").
     */
    clusterAccept: z.array(secretRefSchema).max(3).default([]),
    /**
     * The center's admin bearer token (operator actions on its admin
     * endpoint; at least 16 characters). Absent: operator actions are closed.
     */
    admin: secretRefSchema.optional(),
  }),
  /** Certificates of every node's TLS client ports (a node's or service's own `tls` wins). */
  tls: tlsRefSchema.optional(),
  nodes: z.array(nodeSchema).min(1),
  services: z.array(serviceSchema).min(1),
})

export type TopologyInput = z.input<typeof topologySchema>
export type Topology = z.output<typeof topologySchema>
export type TopologyNode = z.output<typeof nodeSchema>
export type TopologyService = z.output<typeof serviceSchema>

/** The topology as a JSON Schema, for editors (deploy/topology.schema.json). */
export function topologyJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(topologySchema, { io: 'input' }), null, 2)}\n`
}
