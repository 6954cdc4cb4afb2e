import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Version } from '@tessera/kernel'
import { DeployBundleFailed } from '../errors.js'

/** What `deploy bundle` writes beside the tarball (and inside it, as MANIFEST.json). */
export interface BundleManifest {
  /** `tessera-<version>-<commit>`: the tarball's top folder and the release's folder on a node. */
  name: string
  /** Text form, e.g. `0.1.0`. */
  version: string
  /** The 6-byte packed version (hex) clients send in their handshake. */
  versionHex: string
  /** Git commit (12 hex digits); `dirty` when the work tree had uncommitted changes. */
  commit: string
  dirty: boolean
  builtAt: string
  /** Tarball file name (in the same folder as this manifest). */
  file: string
  sha256: string
}

// Built output that goes into the bundle besides the tracked files.
const BUILT_ROOTS = ['packages', 'services', 'tools', 'deploy']

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.error || r.status !== 0)
    throw new DeployBundleFailed(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`)
  return r.stdout
}

function builtFiles(repo: string): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(repo, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push(p)
    }
  }
  for (const root of BUILT_ROOTS) {
    const dirs =
      root === 'deploy' ? ['deploy'] : readdirSync(path.join(repo, root)).map((d) => `${root}/${d}`)
    for (const d of dirs) if (existsSync(path.join(repo, d, 'dist'))) walk(`${d}/dist`)
  }
  return out
}

/** The platform version the bundle carries: the kernel package's version. */
export function platformVersion(repo: string): Version {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'packages/kernel/package.json'), 'utf8')) as {
    version: string
  }
  return Version.parse(pkg.version)
}

/**
 * Build the release bundle: every tracked (and untracked, not ignored) file
 * plus every package's built dist/, under one folder named for the version and
 * commit. Nodes unpack it, install production dependencies from the lockfile
 * and run the built code; nothing is compiled on a node.
 */
export function makeBundle(o: {
  repo: string
  outDir: string
  label?: string | undefined
  now?: Date
}): BundleManifest {
  if (o.label !== undefined && !/^[a-z0-9][a-z0-9.-]*$/.test(o.label))
    throw new DeployBundleFailed(
      `label ${JSON.stringify(o.label)}: lower-case letters, digits, dots and dashes only`,
    )
  const version = platformVersion(o.repo)
  const commit = run('git', ['rev-parse', '--short=12', 'HEAD'], o.repo).trim()
  const dirty = run('git', ['status', '--porcelain'], o.repo).trim() !== ''
  const name = `tessera-${version}-${commit}${dirty ? '-dirty' : ''}${o.label ? `-${o.label}` : ''}`
  const file = `${name}.tar.gz`
  const outDir = path.resolve(o.outDir)
  mkdirSync(outDir, { recursive: true })

  const tracked = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], o.repo)
    .split('\0')
    .filter((f) => f && existsSync(path.join(o.repo, f)))
  const files = [...new Set([...tracked, ...builtFiles(o.repo)])].sort()
  if (!files.some((f) => f.startsWith('services/center/dist/')))
    throw new DeployBundleFailed('services/center/dist is missing: run `pnpm build` first')

  const manifest: Omit<BundleManifest, 'sha256'> = {
    name,
    version: version.toString(),
    versionHex: version.toBuffer().toString('hex'),
    commit,
    dirty,
    builtAt: (o.now ?? new Date()).toISOString(),
    file,
  }
  const stage = path.join(outDir, `.${name}`)
  mkdirSync(stage, { recursive: true })
  writeFileSync(path.join(stage, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const list = path.join(stage, 'files')
  writeFileSync(list, `${files.join('\0')}\0`)
  const tarball = path.join(outDir, file)
  run(
    'tar',
    [
      '-czf',
      tarball,
      '--transform',
      `s,^,${name}/,`,
      '-C',
      stage,
      'MANIFEST.json',
      '-C',
      o.repo,
      '--null',
      '-T',
      list,
    ],
    o.repo,
  )
  rmSync(stage, { recursive: true, force: true })
  const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex')
  const full: BundleManifest = { ...manifest, sha256 }
  writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(full, null, 2)}\n`)
  writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(full, null, 2)}\n`)
  return full
}
