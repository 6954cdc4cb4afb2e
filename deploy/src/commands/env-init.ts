import { planProcesses, SERVICE_KINDS, type Secrets, type Topology } from '../topology/index.js'
import { q } from '../transport/index.js'
import { nodeFiles } from '../units/index.js'
import { checkCertificates } from './check-certificates.js'
import { NodeOps } from './node-ops.js'

/** Debian packages every node needs, and the database node besides. */
const BASE_PACKAGES = ['rsync', 'tar', 'gzip']
const DB_PACKAGES = ['mariadb-server', 'mariadb-client']

/** The bash script env-init runs on the node: each step prints `ok: …` or `changed: …`. */
export function envInitScript(t: Topology, node: string, pnpmVersion: string): string {
  const d = new NodeOps(t, node).dir
  const packages = [...BASE_PACKAGES, ...(t.mariadb.node === node ? DB_PACKAGES : [])]
  const nofile = Math.max(
    0,
    ...planProcesses(t)
      .filter((p) => p.node === node)
      .map((p) => SERVICE_KINDS[p.kind]!.nofile),
  )
  const dirs = [d.root, d.releases, d.incoming, d.etc, d.units, d.run, d.data, d.logs, d.backups]
  const limits = `/etc/security/limits.d/${t.cluster}.conf`
  const limitsText = `${t.user} soft nofile ${nofile}\\n${t.user} hard nofile ${nofile}\\n`
  return [
    `v=$(${q(t.nodeBin)} -p 'process.versions.node' 2>/dev/null || echo none)`,
    `case "$v" in none|1[0-9].*|[0-9].*) echo "node: ${t.nodeBin} must be Node >= 20 (found $v)" >&2; exit 1;; esac`,
    'echo "ok: node $v"',
    `if [ "$(pnpm -v 2>/dev/null)" = ${q(pnpmVersion)} ]; then echo "ok: pnpm ${pnpmVersion}"; else npm install -g ${q(`pnpm@${pnpmVersion}`)} >/dev/null && echo "changed: installed pnpm ${pnpmVersion}"; fi`,
    // Missing packages collect in "$@" (no arrays, no braces).
    `set --; for p in ${packages.join(' ')}; do dpkg-query -W -f='$\{Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || set -- "$@" "$p"; done`,
    `if [ $# -eq 0 ]; then echo "ok: packages ${packages.join(' ')}"; else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null && echo "changed: installed $*"; fi`,
    t.user === 'root'
      ? 'echo "ok: user root"'
      : `if id -u ${q(t.user)} >/dev/null 2>&1; then echo "ok: user ${t.user}"; else useradd --system --home-dir ${q(d.root)} --shell /usr/sbin/nologin ${q(t.user)} && echo "changed: created system user ${t.user}"; fi`,
    `for d in ${dirs.map(q).join(' ')}; do if [ -d "$d" ]; then echo "ok: $d"; else mkdir -p "$d" && echo "changed: created $d"; fi; done`,
    `chown ${q(t.user)}: ${[d.data, d.logs, d.backups, d.run].map(q).join(' ')}`,
    nofile > 65_536
      ? `if [ "$(cat ${q(limits)} 2>/dev/null)" = "$(printf '${limitsText}')" ]; then echo "ok: ${limits}"; else printf '${limitsText}' > ${q(limits)} && echo "changed: ${limits} (nofile ${nofile})"; fi`
      : 'echo "ok: no gateway here, default file-descriptor limits"',
  ].join('\n')
}

/**
 * `deploy env-init --node N`: prepare one node (idempotent). Returns the
 * report, one `ok:` or `changed:` line per item. The TLS certificates the
 * node's processes use are checked last (they are the operator's files:
 * deploy never copies or changes them).
 */
export async function envInit(
  t: Topology,
  secrets: Secrets,
  node: string,
  pnpmVersion: string,
): Promise<string[]> {
  const o = new NodeOps(t, node)
  const lines = (await o.sh(envInitScript(t, node, pnpmVersion))).trim().split('\n')
  const files = nodeFiles(t, node, secrets)
  const changed = new Set(await o.writeFiles(files))
  for (const f of files) lines.push(`${changed.has(f.path) ? 'changed' : 'ok'}: ${f.path}`)
  if (t.manager === 'systemd' && changed.size > 0) {
    await o.loadUnits()
    lines.push('changed: systemd units linked and reloaded')
  }
  // Last, so everything else is in place when a certificate is not yet (DEPLOY_BAD_CERTIFICATE).
  lines.push(...(await checkCertificates(o)))
  return lines
}
