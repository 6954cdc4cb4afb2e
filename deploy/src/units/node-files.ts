import {
  machineIdOf,
  nodeOf,
  nodePaths,
  planProcesses,
  SERVICE_KINDS,
  type Topology,
} from '../topology/index.js'
import {
  backupService,
  backupTimer,
  backupUnit,
  type NodeFile,
  processConfig,
  serviceUnit,
  targetName,
  targetUnit,
} from './render-units.js'

/** Secret values, resolved from the topology's references on the machine running deploy. */
export interface ResolvedSecrets {
  clusterSecret: string
  /** Also accepted during a rotation, in order. */
  clusterAccept?: string[] | undefined
  dbPassword: string | undefined
  adminToken?: string
}

/** The MariaDB URL as seen from `fromNode` (loopback on the database node itself). */
export function mysqlUrl(t: Topology, fromNode: string, password: string | undefined): string {
  const host = fromNode === t.mariadb.node ? '127.0.0.1' : nodeOf(t, t.mariadb.node).address
  const auth = encodeURIComponent(t.mariadb.user) + (password ? `:${encodeURIComponent(password)}` : '')
  return `mysql://${auth}@${host.includes(':') ? `[${host}]` : host}:${t.mariadb.port}`
}

const envFile = (vars: Record<string, string>) =>
  `${Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n')}\n`

/**
 * Every file a node gets: per process its config (0644), env file with its
 * secrets (0600) and unit; the cluster target; on the database node the
 * backup service and timer. Units go to `<root>/units`; env-init and up link
 * them into systemd (or the supervisor reads them there).
 */
export function nodeFiles(t: Topology, nodeName: string, secrets: ResolvedSecrets): NodeFile[] {
  const dir = nodePaths(t, nodeName)
  const node = nodeOf(t, nodeName)
  const files: NodeFile[] = []
  const env = {
    clusterSecret: secrets.clusterSecret,
    clusterAccept: secrets.clusterAccept ?? [],
    mysqlUrl: mysqlUrl(t, nodeName, secrets.dbPassword),
    adminToken: secrets.adminToken,
  }
  const plan = planProcesses(t)
  const logicSlots = plan.filter((x) => x.kind === 'logic').map((x) => x.serviceId)
  for (const p of plan.filter((x) => x.node === nodeName)) {
    const kind = SERVICE_KINDS[p.kind]!
    const section = kind.section({
      serviceId: p.serviceId,
      address: node.address,
      ports: p.ports,
      logicSlots,
      machineId: machineIdOf(plan, p),
      tls: p.tls,
    })
    files.push(
      {
        path: `${dir.etc}/${p.unit}.json`,
        content: `${JSON.stringify(processConfig(t, p, section), null, 2)}\n`,
        mode: 0o644,
      },
      { path: `${dir.etc}/${p.unit}.env`, content: envFile(kind.env(env)), mode: 0o600 },
      { path: `${dir.units}/${p.unit}.service`, content: serviceUnit(t, p), mode: 0o644 },
    )
  }
  files.push({ path: `${dir.units}/${targetName(t)}`, content: targetUnit(t), mode: 0o644 })
  if (t.mariadb.node === nodeName && t.mariadb.backupSchedule) {
    const b = backupUnit(t)
    files.push(
      { path: `${dir.etc}/${b}.env`, content: envFile({ MYSQL_URL: env.mysqlUrl }), mode: 0o600 },
      { path: `${dir.units}/${b}.service`, content: backupService(t), mode: 0o644 },
      { path: `${dir.units}/${b}.timer`, content: backupTimer(t), mode: 0o644 },
    )
  }
  return files
}
