import { nodeOf, nodePaths, type ProcessPlan, planProcesses, type Topology } from '../topology/index.js'

/** A file deploy writes on a node. */
export interface NodeFile {
  path: string
  content: string
  mode: number
}

/** The target that groups a cluster's units on a node. */
export const targetName = (t: Topology) => `${t.cluster}.target`
export const backupUnit = (t: Topology) => `${t.cluster}-db-backup`

/** The command line a process runs (ExecStart=; the supervisor runs the same). */
export function execStart(t: Topology, p: ProcessPlan): string {
  const dir = nodePaths(t, p.node)
  return `${t.nodeBin} ${dir.current}/services/${p.kind}/dist/main.js --config ${dir.etc}/${p.unit}.json`
}

function unitFile(sections: [string, [string, string][]][]): string {
  return `${sections.map(([name, keys]) => `[${name}]\n${keys.map(([k, v]) => `${k}=${v}`).join('\n')}\n`).join('\n')}`
}

/** The .service unit of one process. */
export function serviceUnit(t: Topology, p: ProcessPlan): string {
  const dir = nodePaths(t, p.node)
  // Within a node, start after the kinds it depends on; across nodes deploy orders the starts.
  const before = planProcesses(t).filter((o) => o.node === p.node && o.order < p.order)
  return unitFile([
    [
      'Unit',
      [
        ['Description', `Tessera ${p.kind} #${p.serviceId} (cluster ${t.cluster})`],
        ['Documentation', 'https://github.com/tessera/tessera/blob/main/docs/operations.md'],
        ['Wants', 'network-online.target'],
        ['After', ['network-online.target', ...before.map((o) => `${o.unit}.service`)].join(' ')],
        ['PartOf', targetName(t)],
      ],
    ],
    [
      'Service',
      [
        ['Type', 'simple'],
        ['User', t.user],
        ['WorkingDirectory', `${dir.data}/${p.unit}`],
        ['EnvironmentFile', `${dir.etc}/${p.unit}.env`],
        ['Environment', 'NODE_ENV=production'],
        ['ExecStart', execStart(t, p)],
        // `systemctl reload`: the certificates are re-read, sessions stay (only TLS processes
        // handle SIGHUP; for the others Node's default would end the process).
        ...(p.tls ? [['ExecReload', '/bin/kill -HUP $MAINPID'] as [string, string]] : []),
        ['Restart', 'on-failure'],
        ['RestartSec', '2'],
        ['KillSignal', 'SIGTERM'],
        ['TimeoutStopSec', '30'],
        ['LimitNOFILE', String(p.nofile)],
        ['NoNewPrivileges', 'yes'],
        ['StandardOutput', `append:${dir.logs}/${p.unit}.log`],
        ['StandardError', 'inherit'],
      ],
    ],
    ['Install', [['WantedBy', targetName(t)]]],
  ])
}

export function targetUnit(t: Topology): string {
  return unitFile([
    [
      'Unit',
      [
        ['Description', `Tessera cluster ${t.cluster} (this node's services)`],
        ['Wants', 'network-online.target'],
        ['After', 'network-online.target'],
      ],
    ],
    ['Install', [['WantedBy', 'multi-user.target']]],
  ])
}

/** Oneshot backup of the cluster's databases, with old dumps pruned; the timer runs it. */
export function backupService(t: Topology): string {
  const dir = nodePaths(t, t.mariadb.node)
  const cli = `${dir.current}/tools/db-backup/dist/cli.js`
  return unitFile([
    ['Unit', [['Description', `Tessera database backup (cluster ${t.cluster})`]]],
    [
      'Service',
      [
        ['Type', 'oneshot'],
        ['User', t.user],
        ['EnvironmentFile', `${dir.etc}/${backupUnit(t)}.env`],
        ...t.mariadb.backupDatabases.map((db): [string, string] => [
          'ExecStart',
          `${t.nodeBin} ${cli} dump --database ${db} --out-dir ${dir.backups}`,
        ]),
        // Keep the newest backupKeep dumps of each database.
        ...t.mariadb.backupDatabases.map((db): [string, string] => [
          'ExecStartPost',
          `/bin/sh -c 'ls -1t ${dir.backups}/${db}-*.sql.gz | tail -n +${t.mariadb.backupKeep + 1} | xargs -r rm -f --'`,
        ]),
        ['Nice', '10'],
        ['IOSchedulingClass', 'idle'],
        ['StandardOutput', `append:${dir.logs}/${backupUnit(t)}.log`],
        ['StandardError', 'inherit'],
      ],
    ],
  ])
}

export function backupTimer(t: Topology): string {
  return unitFile([
    ['Unit', [['Description', `Scheduled Tessera database backup (cluster ${t.cluster})`]]],
    [
      'Timer',
      [
        ['OnCalendar', t.mariadb.backupSchedule],
        ['Persistent', 'true'],
        ['RandomizedDelaySec', String(t.mariadb.backupRandomDelaySec)],
        ['Unit', `${backupUnit(t)}.service`],
      ],
    ],
    ['Install', [['WantedBy', 'timers.target']]],
  ])
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k]
    out[k] =
      v && cur && typeof v === 'object' && typeof cur === 'object' && !Array.isArray(v)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v
  }
  return out
}

/** The config file of one process (no secrets: those go to its env file). */
export function processConfig(
  t: Topology,
  p: ProcessPlan,
  kindSection: Record<string, unknown>,
): Record<string, unknown> {
  const dir = nodePaths(t, p.node)
  const node = nodeOf(t, p.node)
  const center = planProcesses(t).find((o) => o.kind === 'center')!
  const common: Record<string, unknown> = {
    app: { node: p.node, dataDir: `${dir.data}/${p.unit}` },
    log: { level: 'info', pretty: false },
    calendar: { resetHour: t.reset.hour, resetMinute: t.reset.minute, timeZone: t.reset.timeZone },
  }
  if (p.kind !== 'center') {
    common.cluster = {
      center: `${nodeOf(t, center.node).address}:${center.ports.cluster}`,
      listen: `tcp://${node.address}:${p.ports.cluster}`,
    }
    common.admin = { listen: `http://127.0.0.1:${p.ports.admin}` }
  }
  const extra = t.services.find((s) => s.kind === p.kind && s.node === p.node)?.config ?? {}
  return merge(merge(common, kindSection), extra)
}
