import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

// A throwaway certificate authority for TLS tests, made with Debian's
// openssl CLI (node:crypto parses certificates but cannot issue them).
// Everything lives in a directory the caller owns and removes.

export interface TestLeaf {
  /** PEM file paths. */
  cert: string
  key: string
  /** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spki: string
  /** SHA-256 fingerprint as node:crypto prints it (tells two certificates apart in assertions). */
  fingerprint: string
}

export interface TestPki {
  dir: string
  /** CA certificate file and its PEM text (what a client trusts). */
  caFile: string
  ca: string
  /** Issue a server certificate for `hosts` (DNS names or IP addresses), signed by the CA. */
  issue(name: string, hosts: readonly string[]): TestLeaf
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

/** Create a CA (P-256, valid 2 days) in `dir`. */
export function makeTestPki(dir: string): TestPki {
  const caFile = path.join(dir, 'ca.pem')
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-subj',
      '/CN=Tessera Test CA',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    ],
    dir,
  )
  let serial = 1
  return {
    dir,
    caFile,
    ca: readFileSync(caFile, 'utf8'),
    issue(name, hosts) {
      const san = hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? `IP:${h}` : `DNS:${h}`)).join(',')
      const ext = path.join(dir, `${name}.ext`)
      writeFileSync(
        ext,
        `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
      )
      openssl(
        [
          'req',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.csr`,
          '-subj',
          `/CN=${hosts[0] ?? name}`,
        ],
        dir,
      )
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${name}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-set_serial',
          String(serial++ + Date.now()),
          '-days',
          '2',
          '-extfile',
          ext,
          '-out',
          `${name}.pem`,
        ],
        dir,
      )
      const cert = path.join(dir, `${name}.pem`)
      const x509 = new X509Certificate(readFileSync(cert))
      const spkiDer = x509.publicKey.export({ type: 'spki', format: 'der' })
      return {
        cert,
        key: path.join(dir, `${name}.key`),
        spki: createHash('sha256').update(spkiDer).digest('base64'),
        fingerprint: x509.fingerprint256,
      }
    },
  }
}
