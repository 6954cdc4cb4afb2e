// The certificate check deploy runs on a node (env-init, up), for real: files
// from a throwaway CA, the service user `nobody`, bash and node on this machine
// through the local transport.
import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { makeTestPki, tempDir } from '@tessera/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { DeployBadCertificate } from '../errors.js'
import { parseTopology, type TopologyInput } from '../topology/index.js'
import { checkCertificates, NodeOps } from './index.js'

const isRoot = process.getuid?.() === 0
// `runuser` (reading as the service user) needs root; CI runs as root.
const run = isRoot || process.env.CI === 'true'

/** A certificate valid in 2020 only, from `openssl ca` (req/x509 cannot back-date). */
function expiredPair(dir: string): { cert: string; key: string } {
  const d = path.join(dir, 'expired')
  mkdirSync(d)
  writeFileSync(
    path.join(d, 'ca.cnf'),
    '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n',
  )
  writeFileSync(path.join(d, 'index.txt'), '')
  writeFileSync(path.join(d, 'serial'), '01\n')
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' })
  openssl(
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=old'],
  )
  openssl(
    ...['ca', '-config', 'ca.cnf', '-batch', '-selfsign', '-keyfile', 'old.key', '-in', 'old.csr'],
    ...['-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-out', 'old.pem'],
  )
  return { cert: path.join(d, 'old.pem'), key: path.join(d, 'old.key') }
}

describe.runIf(run)('certificate check on a node', () => {
  const dir = tempDir('deploy-certs')
  afterAll(() => dir.remove())
  // The service user must reach the files through every folder.
  chmodSync(dir.path, 0o755)
  const pki = makeTestPki(dir.path)
  const ownedByService = (leaf: { cert: string; key: string }) => {
    chmodSync(leaf.key, 0o600)
    chownSync(leaf.key, 65534, 65534)
    return { cert: leaf.cert, key: leaf.key }
  }

  const topology = (extra: Partial<TopologyInput>): TopologyInput => ({
    cluster: 'tsr',
    root: path.join(dir.path, 'root'),
    user: 'nobody',
    nodeBin: process.execPath,
    mariadb: { node: 'a' },
    secrets: { cluster: { env: 'TSR_SECRET' } },
    nodes: [{ name: 'a', address: '10.0.0.1', transport: { local: true } }],
    services: [{ kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } }],
    ...extra,
  })
  const gateway = (n: number, tls?: { cert: string; key: string }) => ({
    kind: 'gateway',
    node: 'a',
    ports: { cluster: 5000 + n, admin: 5100 + n, tls: 6000 + n },
    ...(tls ? { tls: { certs: [{ cert: tls.cert, key: tls.key }] } } : {}),
  })

  it('reports each good certificate with its expiry, read as the service user', async () => {
    const leaf = ownedByService(pki.issue('good', ['10.0.0.1']))
    const t = parseTopology(
      topology({
        tls: { certs: [leaf] },
        services: [
          { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
          { kind: 'login', node: 'a', ports: { cluster: 3700, admin: 3790, https: 3780 } },
          // The same files twice: checked once.
          gateway(0),
        ],
      }),
    )
    const lines = await checkCertificates(new NodeOps(t, 'a'))
    expect(lines).toEqual([expect.stringMatching(/^ok: certificate .*\/good\.pem \(valid until .* GMT\)$/)])
  })

  it('names every bad file and the topology key that refers to it, all at once', async () => {
    const worldKey = pki.issue('world', ['10.0.0.1'])
    chmodSync(worldKey.key, 0o644)
    const hidden = path.join(dir.path, 'hidden')
    mkdirSync(hidden, { mode: 0o700 })
    const inHidden = pki.issue('in-hidden', ['10.0.0.1'])
    const hiddenCert = path.join(hidden, 'cert.pem')
    copyFileSync(inHidden.cert, hiddenCert)
    const other = ownedByService(pki.issue('other', ['10.0.0.1']))
    const mismatched = { cert: ownedByService(pki.issue('mine', ['10.0.0.1'])).cert, key: other.key }
    const garbage = path.join(dir.path, 'garbage.pem')
    writeFileSync(garbage, 'not a certificate\n')
    const expired = ownedByService(expiredPair(dir.path))
    const garbageKey = path.join(dir.path, 'garbage.key')
    writeFileSync(garbageKey, 'not a key\n', { mode: 0o600 })
    chownSync(garbageKey, 65534, 65534)
    const t = parseTopology(
      topology({
        tls: { certs: [{ cert: path.join(dir.path, 'missing.pem'), key: other.key }] },
        services: [
          { kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } },
          gateway(0),
          gateway(1, worldKey),
          gateway(2, { cert: hiddenCert, key: ownedByService(inHidden).key }),
          gateway(3, mismatched),
          gateway(4, { cert: garbage, key: other.key }),
          gateway(5, expired),
          gateway(6, { cert: other.cert, key: garbageKey }),
          gateway(7, { cert: dir.path, key: other.key }),
        ],
      }),
    )
    const err = await checkCertificates(new NodeOps(t, 'a')).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(DeployBadCertificate.is(err)).toBe(true)
    expect((err as Error).message.split('\n')).toEqual([
      'on node a, 8 certificate file problem(s):',
      `  tls.certs[0].cert: ${dir.path}/missing.pem is missing`,
      `  services[2].tls.certs[0].key: ${worldKey.key} is readable by everyone (mode 644): chmod o-rwx it`,
      `  services[3].tls.certs[0].cert: ${hiddenCert} is not readable by the service user nobody (file or folder permissions)`,
      `  services[4].tls.certs[0].key: ${other.key} is not the key of ${mismatched.cert}`,
      expect.stringMatching(
        new RegExp(
          `^ {2}services\\[5\\]\\.tls\\.certs\\[0\\]\\.cert: ${garbage} is not a PEM certificate \\(`,
        ),
      ),
      `  services[6].tls.certs[0].cert: ${expired.cert} expired on Jan  2 00:00:00 2020 GMT`,
      expect.stringMatching(
        new RegExp(
          `^ {2}services\\[7\\]\\.tls\\.certs\\[0\\]\\.key: ${garbageKey} is not a PEM private key \\(`,
        ),
      ),
      `  services[8].tls.certs[0].cert: ${dir.path} is not a regular file`,
    ])
  })

  it('says when the service user does not exist yet (env-init creates it)', async () => {
    const leaf = pki.issue('nouser', ['10.0.0.1'])
    const t = parseTopology(
      topology({
        user: 'tsr-no-such-user',
        services: [{ kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } }, gateway(0, leaf)],
      }),
    )
    await expect(checkCertificates(new NodeOps(t, 'a'))).rejects.toThrow(
      /on node a, 1 certificate file problem\(s\):\n {2}the service user tsr-no-such-user does not exist/,
    )
  })

  it('checks nothing on a node without TLS ports', async () => {
    const t = parseTopology(topology({}))
    expect(await checkCertificates(new NodeOps(t, 'a'))).toEqual([])
  })
})
