import type { TlsRef } from './topology-schema.js'

/**
 * Client ports of a kind: at least one of them is required. `tls` ones need
 * certificates (a `tls` reference in the topology); `plaintext` ones need
 * the service's explicit `plaintext: true` (login: its answers carry
 * hand-off tokens and its requests passwords).
 */
export interface ClientPorts {
  plain: string[]
  tls: string[]
  plaintextNeedsFlag?: boolean
}

/**
 * What deploy knows about each service kind: start order, which ports the
 * topology must give it, whether it needs the database, its file-descriptor
 * limit, and its own config section. A new kind slots in by adding an entry;
 * the topology's per-service `config` can override anything a kind sets.
 */
export interface ServiceKind {
  /** Lower starts first and stops last. */
  order: number
  /**
   * Service id of the kind's first process when the topology gives none.
   * Service ids are cluster-wide (the center refuses a second holder of an
   * id, whatever its kind), so the kinds start apart: logic 1, login 100,
   * gateway 200.
   */
  firstId: number
  /** Port names the topology must give (`cluster` and `admin` for every kind). */
  ports: string[]
  /** Client ports, at least one required (login, gateway). */
  clientPorts?: ClientPorts
  /** Open-file limit of its processes (gateways hold one socket per player). */
  nofile: number
  /** The kind's own config section for one process. */
  section(p: {
    serviceId: number
    address: string
    ports: Record<string, number>
    /** Every logic service id of the topology, in order: the shard map's slots. */
    logicSlots: number[]
    /** This process's fixed snowflake machine id (see {@link machineIdOf}). */
    machineId: number
    /** Certificates for its TLS client ports (set only when it has one; validated present then). */
    tls?: TlsRef | undefined
  }): Record<string, unknown>
  /** Secrets as environment variables (the unit's 0600 env file), never in the config file. */
  env(s: {
    clusterSecret: string
    clusterAccept: string[]
    mysqlUrl: string
    adminToken?: string | undefined
  }): Record<string, string>
}

/**
 * The secret, and during a rotation the others accepted (a JSON list, as
 * the config loader reads lists from the environment), under `prefix`.
 */
const secretEnv = (prefix: string, s: { clusterSecret: string; clusterAccept: string[] }) => ({
  [`${prefix}SECRET`]: s.clusterSecret,
  ...(s.clusterAccept.length ? { [`${prefix}ACCEPT_SECRETS`]: JSON.stringify(s.clusterAccept) } : {}),
})
const clusterEnv = (s: { clusterSecret: string; clusterAccept: string[] }) =>
  secretEnv('TESSERA_CLUSTER__', s)

/** `scheme://address:port` for each of `names` the process has, in that order. */
function listenOf(address: string, ports: Record<string, number>, names: [string, string][]): string[] {
  const host = address.includes(':') ? `[${address}]` : address
  return names.filter(([n]) => ports[n] !== undefined).map(([n, scheme]) => `${scheme}://${host}:${ports[n]}`)
}

/**
 * The kernel's `tls` section: the files as the topology names them, watched
 * (a renewed certificate is served to new connections without a restart).
 */
function tlsSection(tls: TlsRef | undefined) {
  if (!tls) return {}
  return {
    tls: {
      certs: tls.certs.map((c) => ({ cert: c.cert, key: c.key })),
      ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
      watch: true,
    },
  }
}

const BASE_NOFILE = 65_536

export const SERVICE_KINDS: Record<string, ServiceKind> = {
  center: {
    order: 0,
    firstId: 1,
    ports: ['cluster', 'admin'],
    nofile: BASE_NOFILE,
    section: (p) => ({
      center: {
        serviceId: p.serviceId,
        listen: `tcp://${p.address}:${p.ports.cluster}`,
        // Admin stays on loopback: deploy reads it on the node itself.
        admin: `http://127.0.0.1:${p.ports.admin}`,
      },
    }),
    env: (s) => ({
      ...secretEnv('TESSERA_CENTER__', s),
      TESSERA_CENTER__MYSQL_URL: s.mysqlUrl,
      ...(s.adminToken ? { TESSERA_CENTER__ADMIN_TOKEN: s.adminToken } : {}),
    }),
  },
  login: {
    order: 1,
    firstId: 100,
    ports: ['cluster', 'admin'],
    // `https` with the topology's certificates; `http` in clear only with the
    // entry's `plaintext: true` (validated), which is then what allows login's
    // plaintext front on the node address.
    clientPorts: { plain: ['http'], tls: ['https'], plaintextNeedsFlag: true },
    nofile: BASE_NOFILE,
    // One login process per unit (deploy scales with `count`): node:cluster workers
    // would share the unit's fixed cluster port and machine id.
    section: (p) => ({
      login: {
        serviceId: p.serviceId,
        processes: 1,
        listen: listenOf(p.address, p.ports, [
          ['https', 'https'],
          ['http', 'http'],
        ]),
        ...tlsSection(p.tls),
        ...(p.ports.http !== undefined ? { allowPlaintext: true } : {}),
      },
      app: { machineId: p.machineId },
    }),
    env: (s) => ({ ...clusterEnv(s), TESSERA_LOGIN__DATABASE__URL: s.mysqlUrl }),
  },
  logic: {
    order: 2,
    firstId: 1,
    ports: ['cluster', 'admin'],
    nofile: BASE_NOFILE,
    // Logic's player database is logic_<app.machineId>: the id must stay the
    // same across restarts and moves, so it is the service id.
    // Gateways and logic share the shard map: the same slot list on both.
    section: (p) => ({
      logic: { serviceId: p.serviceId, slots: p.logicSlots },
      app: { machineId: p.serviceId },
    }),
    env: (s) => ({ ...clusterEnv(s), TESSERA_STORAGE__URL: s.mysqlUrl }),
  },
  gateway: {
    order: 3,
    firstId: 200,
    ports: ['cluster', 'admin'],
    // Any of the four, plain and TLS side by side or TLS alone.
    clientPorts: { plain: ['tcp', 'ws'], tls: ['tls', 'wss'] },
    nofile: 1_048_576,
    section: (p) => ({
      gateway: {
        serviceId: p.serviceId,
        listen: listenOf(p.address, p.ports, [
          ['tcp', 'tcp'],
          ['ws', 'ws'],
          ['tls', 'tls'],
          ['wss', 'wss'],
        ]),
        ...tlsSection(p.tls),
        ...(p.logicSlots.length > 0 ? { logicSlots: p.logicSlots } : {}),
      },
      app: { machineId: p.machineId },
    }),
    env: clusterEnv,
  },
}

/** Logic service ids are their machine ids: they stay below this, the other kinds get ids from the top. */
export const LOGIC_MACHINE_IDS = 512

/**
 * A fixed snowflake machine id for every process (leases from the center do
 * not know about fixed ids, so a cluster uses one or the other): logic its
 * service id (its database is logic_<machineId>), every other process
 * 1023 - its index among the non-logic processes (center excluded).
 */
export function machineIdOf(
  plan: readonly { kind: string; serviceId: number; unit: string }[],
  p: { kind: string; serviceId: number; unit: string },
): number {
  if (p.kind === 'logic') return p.serviceId
  const others = plan.filter((o) => o.kind !== 'logic' && o.kind !== 'center')
  return 1023 - others.findIndex((o) => o.unit === p.unit)
}
