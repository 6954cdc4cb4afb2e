import { DeployBadCertificate } from '../errors.js'
import { SERVICE_KINDS, type Topology } from '../topology/index.js'
import { q } from '../transport/index.js'
import type { NodeOps } from './node-ops.js'

/** A certificate or key file a node's processes read, and where the topology names it. */
export interface CertificateFile {
  file: string
  role: 'cert' | 'key'
  /** Topology path of the reference, e.g. `nodes[1].tls.certs[0].key`. */
  where: string
}

/** The pairs the processes on `node` serve (only where they have a TLS client port), each file once. */
export function certificateFiles(
  t: Topology,
  node: string,
): { cert: CertificateFile; key: CertificateFile }[] {
  const pairs = new Map<string, { cert: CertificateFile; key: CertificateFile }>()
  const n = t.nodes.findIndex((x) => x.name === node)
  t.services.forEach((s, i) => {
    const tlsPorts = SERVICE_KINDS[s.kind]?.clientPorts?.tls ?? []
    if (s.node !== node || !tlsPorts.some((p) => s.ports[p] !== undefined)) return
    // The same precedence as the processes' config (plan.ts tlsOf).
    const own = t.nodes[n]?.tls
    const [ref, at] = s.tls ? [s.tls, `services[${i}].tls`] : own ? [own, `nodes[${n}].tls`] : [t.tls, 'tls']
    ref?.certs.forEach((c, j) => {
      const key = `${c.cert}\0${c.key}`
      if (!pairs.has(key))
        pairs.set(key, {
          cert: { file: c.cert, role: 'cert', where: `${at}.certs[${j}].cert` },
          key: { file: c.key, role: 'key', where: `${at}.certs[${j}].key` },
        })
    })
  })
  return [...pairs.values()]
}

// Run on the node with `node -e` (node:crypto; openssl need not be installed):
// argv cert key pair-index; prints one `bad|ok <tab> <pair>.<role> <tab> <file> <tab> <what>` line.
const PAIR_CHECK = `
const { X509Certificate, createPrivateKey } = require('node:crypto')
const { readFileSync } = require('node:fs')
const [c, k, i] = process.argv.slice(-3)
const say = (status, role, file, what) => console.log([status, i + '.' + role, file, what].join('\\t'))
let x, key
try { x = new X509Certificate(readFileSync(c)) } catch (e) { say('bad', 'cert', c, 'is not a PEM certificate (' + e.message + ')'); process.exit(0) }
try { key = createPrivateKey(readFileSync(k)) } catch (e) { say('bad', 'key', k, 'is not a PEM private key (' + e.message + ')'); process.exit(0) }
if (!x.checkPrivateKey(key)) say('bad', 'key', k, 'is not the key of ' + c)
else if (Date.parse(x.validTo) < Date.now()) say('bad', 'cert', c, 'expired on ' + x.validTo)
else say('ok', 'cert', c, 'valid until ' + x.validTo)
`

/**
 * The bash script that checks the files on the node: each exists, is a
 * regular file, the service user can read it (through every folder above
 * it), a key is not readable by everyone, and each certificate parses, is
 * in date and matches its key. One tab-separated line per finding.
 */
export function certificateCheckScript(t: Topology, node: string): string {
  const pairs = certificateFiles(t, node)
  if (pairs.length === 0) return ''
  const asUser = t.user === 'root' ? '' : `runuser -u ${q(t.user)} -- `
  const lines = [
    t.user === 'root'
      ? ''
      : `id -u ${q(t.user)} >/dev/null 2>&1 || { echo "bad\t-\t-\tthe service user ${t.user} does not exist (deploy env-init creates it)"; exit 0; }`,
    // One function, so each file costs a line of script: check FILE ROLE PAIR.
    'check() {',
    '  at="bad\t$3.$2\t$1"',
    '  if [ ! -e "$1" ]; then echo "$at\tis missing"; return 1; fi',
    '  if [ ! -f "$1" ]; then echo "$at\tis not a regular file"; return 1; fi',
    `  if ! ${asUser}test -r "$1"; then echo "$at\tis not readable by the service user ${t.user} (file or folder permissions)"; return 1; fi`,
    '  m=$(stat -L -c %a "$1")',
    `  if [ "$2" = key ] && [ $((8#$m & 4)) -ne 0 ]; then echo "$at\tis readable by everyone (mode $m): chmod o-rwx it"; return 1; fi`,
    '}',
  ]
  pairs.forEach((p, i) => {
    lines.push(
      `if check ${q(p.cert.file)} cert ${i} && check ${q(p.key.file)} key ${i}; then ${q(t.nodeBin)} -e ${q(PAIR_CHECK)} ${q(p.cert.file)} ${q(p.key.file)} ${i}; fi`,
    )
  })
  return lines.filter(Boolean).join('\n')
}

/**
 * Check the certificate files the node's processes use (env-init, up). Returns
 * one `ok:` line per certificate; DEPLOY_BAD_CERTIFICATE names every file
 * with a problem and the topology key that refers to it.
 */
export async function checkCertificates(o: NodeOps): Promise<string[]> {
  const script = certificateCheckScript(o.t, o.node)
  if (!script) return []
  const pairs = certificateFiles(o.t, o.node)
  const out = (await o.sh(script)).trim().split('\n').filter(Boolean)
  const ok: string[] = []
  const bad: string[] = []
  for (const line of out) {
    const [status, id, file, what] = line.split('\t')
    const [i, role] = (id ?? '').split('.')
    const ref = pairs[Number(i)]?.[role === 'key' ? 'key' : 'cert']
    if (status === 'ok') ok.push(`ok: certificate ${file} (${what})`)
    else bad.push(ref ? `  ${ref.where}: ${file} ${what}` : `  ${what}`)
  }
  if (bad.length) throw new DeployBadCertificate(o.node, bad.length, bad.join('\n'))
  return ok
}
