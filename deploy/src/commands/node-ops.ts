import path from 'node:path'
import type { ClusterView, NodeStatus } from '../agent/index.js'
import type { BundleManifest } from '../bundle/index.js'
import { DeployCommandFailed } from '../errors.js'
import { nodeOf, nodePaths, type Topology } from '../topology/index.js'
import { q, type Transport, transportFor } from '../transport/index.js'
import type { NodeFile } from '../units/index.js'

/** The operations deploy performs on one node, through its transport. */
export class NodeOps {
  readonly tr: Transport
  readonly dir: ReturnType<typeof nodePaths>

  constructor(
    readonly t: Topology,
    readonly node: string,
    transport?: Transport,
  ) {
    this.tr = transport ?? transportFor(nodeOf(t, node))
    this.dir = nodePaths(t, node)
  }

  /** Run a bash script; DEPLOY_COMMAND_FAILED with its stderr when it fails. */
  async sh(script: string, input?: string | Buffer): Promise<string> {
    const r = await this.tr.run(`set -euo pipefail\n${script}`, input)
    if (r.code !== 0)
      throw new DeployCommandFailed(
        this.node,
        script.split('\n')[0]!.slice(0, 120),
        (r.stderr || r.stdout).trim(),
      )
    return r.stdout
  }

  /** The installed deploy tool of the current release, on the node. */
  async agent(...args: string[]): Promise<string> {
    return this.agentWithInput(undefined, ...args)
  }

  /** {@link agent} with `input` on its stdin (secrets: never on a command line). */
  async agentWithInput(input: string | undefined, ...args: string[]): Promise<string> {
    const base = ['--root', this.dir.root, '--manager', this.t.manager]
    return this.sh(
      [`${this.dir.current}/deploy/bin/deploy`, 'node', ...args, ...base].map(q).join(' '),
      input,
    )
  }

  /** Drain or undrain gateway `id` through the center's admin endpoint (run on the center's node). */
  async gateway(
    adminPort: number,
    action: 'drain' | 'undrain',
    id: number,
    token: string,
    message?: string,
  ): Promise<{ affected: number; unanswered: number[] }> {
    const args = ['gateway', action, '--admin', `http://127.0.0.1:${adminPort}`, '--id', String(id)]
    if (message) args.push('--message', message)
    return JSON.parse(await this.agentWithInput(`${token}\n`, ...args)) as {
      affected: number
      unanswered: number[]
    }
  }

  /** Wait until gateway `id` reports no sessions, or `timeoutMs`; returns the sessions left. */
  async waitDrained(adminPort: number, id: number, timeoutMs: number): Promise<number> {
    const out = await this.agent(
      'wait-drained',
      '--admin',
      `http://127.0.0.1:${adminPort}`,
      '--id',
      String(id),
      '--timeout',
      String(timeoutMs),
    )
    return Number(out.trim())
  }

  /**
   * Write files in one round trip (each lands whole, with its mode, through a
   * rename); returns the paths whose content or mode changed.
   */
  async writeFiles(files: NodeFile[]): Promise<string[]> {
    const script = ['umask 077']
    for (const f of files) {
      const p = q(f.path)
      const tmp = q(`${f.path}.new`)
      const mode = f.mode.toString(8)
      script.push(
        `mkdir -p ${q(path.posix.dirname(f.path))}`,
        `printf %s ${q(Buffer.from(f.content).toString('base64'))} | base64 -d > ${tmp}; chmod ${mode} ${tmp}`,
        `if cmp -s ${tmp} ${p} && [ "$(stat -c %a ${p})" = ${mode} ]; then rm -f ${tmp}; else mv -f ${tmp} ${p}; echo ${p}; fi`,
      )
    }
    const out = await this.sh(script.join('\n'))
    return out.split('\n').filter(Boolean)
  }

  /** Ship and unpack a bundle, and install its production dependencies (once per release). */
  async install(bundleDir: string, m: BundleManifest): Promise<void> {
    const d = this.dir
    const rel = `${d.releases}/${m.name}`
    const done = await this.sh(`test -e ${q(`${rel}/.installed`)} && echo yes || true`)
    if (done.trim() === 'yes') return
    await this.tr.copy(path.join(bundleDir, m.file), d.incoming)
    await this.sh(
      [
        `rm -rf ${q(rel)} && mkdir -p ${q(d.releases)}`,
        `tar -xzf ${q(`${d.incoming}/${m.file}`)} -C ${q(d.releases)}`,
        `cd ${q(rel)} && pnpm install --prod --frozen-lockfile --prefer-offline >${q(`${rel}/.install.log`)} 2>&1`,
        `touch ${q(`${rel}/.installed`)} && rm -f ${q(`${d.incoming}/${m.file}`)}`,
      ].join('\n'),
    )
  }

  /** Point `current` at a release; the one it pointed at becomes `previous`. */
  async activate(name: string): Promise<void> {
    const d = this.dir
    await this.sh(
      [
        `cur=$(readlink ${q(d.current)} || true)`,
        `target=${q(`${d.releases}/${name}`)}`,
        `test -d "$target"`,
        `if [ "$cur" != "$target" ]; then`,
        `  if [ -n "$cur" ]; then ln -sfn "$cur" ${q(`${d.previous}.new`)} && mv -Tf ${q(`${d.previous}.new`)} ${q(d.previous)}; fi`,
        `  ln -sfn "$target" ${q(`${d.current}.new`)} && mv -Tf ${q(`${d.current}.new`)} ${q(d.current)}`,
        'fi',
      ].join('\n'),
    )
  }

  /** Swap `current` and `previous`; returns the release now current, or null when there is no previous. */
  async swapBack(): Promise<string | null> {
    const d = this.dir
    const out = await this.sh(
      [
        `prev=$(readlink ${q(d.previous)} || true)`,
        `cur=$(readlink ${q(d.current)} || true)`,
        'if [ -z "$prev" ] || [ ! -d "$prev" ]; then exit 0; fi',
        `ln -sfn "$prev" ${q(`${d.current}.new`)} && mv -Tf ${q(`${d.current}.new`)} ${q(d.current)}`,
        `ln -sfn "$cur" ${q(`${d.previous}.new`)} && mv -Tf ${q(`${d.previous}.new`)} ${q(d.previous)}`,
        'basename "$prev"',
      ].join('\n'),
    )
    return out.trim() || null
  }

  /** Make the node's service manager see the units in `<root>/units`. */
  async loadUnits(): Promise<void> {
    if (this.t.manager !== 'systemd') return
    await this.sh(
      `for u in ${q(this.dir.units)}/*; do systemctl link "$u" >/dev/null; done\nsystemctl daemon-reload\nsystemctl enable ${q(`${this.t.cluster}.target`)} >/dev/null 2>&1 || true`,
    )
  }

  start(unit: string): Promise<string> {
    return this.agent('start', unit)
  }
  stop(unit: string): Promise<string> {
    return this.agent('stop', unit)
  }

  async status(units: string[]): Promise<NodeStatus> {
    return JSON.parse(await this.agent('status', ...units)) as NodeStatus
  }

  /** The center's view of the cluster, read on the center's node from its loopback admin port. */
  async clusterView(adminPort: number): Promise<ClusterView> {
    return JSON.parse(await this.agent('cluster', '--admin', `http://127.0.0.1:${adminPort}`)) as ClusterView
  }

  /** Wait on the center's node until `kind#id` is READY (a newer start than `notStartedAt`, when given). */
  async waitReady(adminPort: number, kind: string, id: number, timeoutMs: number, notStartedAt?: unknown) {
    const args = [
      'wait-ready',
      '--admin',
      `http://127.0.0.1:${adminPort}`,
      '--kind',
      kind,
      '--id',
      String(id),
    ]
    args.push('--timeout', String(timeoutMs))
    if (notStartedAt !== undefined) args.push('--not-started-at', String(notStartedAt))
    await this.agent(...args)
  }
}
