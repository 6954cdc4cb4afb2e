import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Version, VersionStage } from '@tessera/kernel'
import { afterEach, describe, expect, it } from 'vitest'
import { bumpVersion } from './bump-version.js'
import { DEFAULT_MODULE, runCli } from './cli.js'
import { renderVersionModule } from './describe-version.js'
import { VersionBackwards, VersionFieldOverflow, VersionFileBad, VersionFileNotFound } from './errors.js'
import { findVersionFile, readVersionFile } from './version-file.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function repo(version = '1.2.3-beta'): { dir: string; file: string; module: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-version-'))
  dirs.push(dir)
  writeFileSync(path.join(dir, 'VERSION'), `${version}\n`)
  return { dir, file: path.join(dir, 'VERSION'), module: path.join(dir, DEFAULT_MODULE) }
}
async function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const status = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { status, out, err }
}
const v = (s: string) => Version.parse(s)

describe('bumpVersion', () => {
  it('raises one field, restarts the lower ones, keeps or sets the stage', () => {
    expect(bumpVersion(v('1.2.3-beta'), 'major').toString()).toBe('2.0.0-beta')
    expect(bumpVersion(v('1.2.3-beta'), 'minor').toString()).toBe('1.3.0-beta')
    expect(bumpVersion(v('1.2.3-beta'), 'revision', VersionStage.Release).toString()).toBe('1.2.4')
    expect(bumpVersion(v('1.2.3-alpha'), 'stage').toString()).toBe('1.2.3-beta')
    expect(bumpVersion(v('1.2.3-preview'), 'stage').toString()).toBe('1.2.3')
  })

  it('refuses to overflow a field instead of wrapping', () => {
    expect(() => bumpVersion(v('1.2.1023'), 'revision')).toThrow(VersionFieldOverflow)
    expect(() => bumpVersion(v('1.2.1023'), 'revision')).toThrow(
      'cannot bump revision of 1.2.1023: revision is at its maximum 1023 (10 bits)',
    )
    expect(() => bumpVersion(v('1.65535.0'), 'minor')).toThrow(/maximum 65535 \(u16\)/)
    expect(() => bumpVersion(v('65535.0.0'), 'major')).toThrow(/major is at its maximum 65535/)
    expect(() => bumpVersion(v('1.0.0'), 'stage')).toThrow(/release is the last stage/)
    // The field below the maximum still bumps, and a full lower field does not block a higher one.
    expect(bumpVersion(v('1.2.1022'), 'revision').toString()).toBe('1.2.1023')
    expect(bumpVersion(v('1.2.1023'), 'minor').toString()).toBe('1.3.0')
  })
})

describe('VERSION file', () => {
  it('is found upward from a subdirectory', () => {
    const r = repo()
    mkdirSync(path.join(r.dir, 'a/b'), { recursive: true })
    expect(findVersionFile(path.join(r.dir, 'a/b'))).toBe(r.file)
    expect(() => findVersionFile('/')).toThrow(VersionFileNotFound)
  })

  it('must hold exactly one canonical version line; errors name the file', () => {
    const r = repo()
    for (const bad of ['1.2', '1.2.3-rc\n', '1.2.3\n1.2.4\n', ' 1.2.3\n', '1.2.1024\n']) {
      writeFileSync(r.file, bad)
      expect(() => readVersionFile(r.file), JSON.stringify(bad)).toThrow(VersionFileBad)
      expect(() => readVersionFile(r.file)).toThrow(r.file)
    }
    writeFileSync(r.file, '1.2.3')
    expect(readVersionFile(r.file).toString()).toBe('1.2.3')
  })
})

describe('tessera-version', () => {
  it('prints text, hex of the 6 bytes, and JSON', async () => {
    const r = repo('1.2.3-beta')
    expect((await cli(['--file', r.file])).out).toEqual(['1.2.3-beta'])
    // major 0001, minor 0002, revision 3 << 6 | beta 32 = 0x00e0
    expect((await cli(['--file', r.file, '--hex'])).out).toEqual(['0001000200e0'])
    expect(JSON.parse((await cli(['print', '--file', r.file, '--json'])).out[0]!)).toEqual({
      version: '1.2.3-beta',
      major: 1,
      minor: 2,
      revision: 3,
      stage: 'beta',
      stageCode: 32,
      hex: '0001000200e0',
      wire: { major: 1, minor: 2, revision: 3, stage: 1 },
    })
  })

  it('bump rewrites VERSION and the generated module', async () => {
    const r = repo('1.2.3-beta')
    const b = await cli(['bump', 'minor', '--file', r.file, '--stage', 'release'])
    expect(b.status).toBe(0)
    expect(b.out).toEqual(['1.3.0'])
    expect(b.err[0]).toBe(`1.2.3-beta → 1.3.0 (${r.file}, ${r.module})`)
    expect(readFileSync(r.file, 'utf8')).toBe('1.3.0\n')
    expect(readFileSync(r.module, 'utf8')).toBe(renderVersionModule(v('1.3.0')))
    expect((await cli(['gen', '--check', '--file', r.file])).status).toBe(0)
  })

  it('exits 1 naming the code on overflow, and leaves VERSION alone', async () => {
    const r = repo('1.2.1023')
    const b = await cli(['bump', 'revision', '--file', r.file])
    expect(b.status).toBe(1)
    expect(b.err[0]).toBe(
      'tessera-version: VERSION_FIELD_OVERFLOW: cannot bump revision of 1.2.1023: revision is at its maximum 1023 (10 bits)',
    )
    expect(readFileSync(r.file, 'utf8')).toBe('1.2.1023\n')
    expect((await cli(['bump', 'stage', '--file', r.file, '--stage', 'gamma'])).err[0]).toMatch(
      /VERSION_BAD_STAGE/,
    )
    expect((await cli(['bump', 'patch', '--file', r.file])).status).toBe(2)
  })

  it('set refuses to go backwards without --force', async () => {
    const r = repo('2.0.0')
    const s = await cli(['set', '1.9.9', '--file', r.file, '--module', 'none'])
    expect(s.status).toBe(1)
    expect(s.err[0]).toContain(VersionBackwards.code)
    expect((await cli(['set', '1.9.9', '--force', '--file', r.file, '--module', 'none'])).out).toEqual([
      '1.9.9',
    ])
    expect((await cli(['set', '3.0.0-alpha', '--file', r.file, '--module', 'none'])).out).toEqual([
      '3.0.0-alpha',
    ])
  })

  it('gen --check fails when the module does not match VERSION', async () => {
    const r = repo('1.2.3')
    expect((await cli(['gen', '--check', '--file', r.file])).err[0]).toMatch(/VERSION_GENERATED_STALE/)
    await cli(['gen', '--file', r.file])
    expect((await cli(['gen', '--check', '--file', r.file])).status).toBe(0)
    writeFileSync(r.file, '1.2.4\n')
    const stale = await cli(['gen', '--check', '--file', r.file])
    expect(stale.status).toBe(1)
    expect(stale.err[0]).toBe(
      `tessera-version: VERSION_GENERATED_STALE: ${r.module} is stale: it does not match ${r.file} (run tessera-version gen)`,
    )
  })

  it("the repository's own module matches its VERSION", () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const version = readVersionFile(path.join(root, 'VERSION'))
    expect(readFileSync(path.join(root, DEFAULT_MODULE), 'utf8')).toBe(renderVersionModule(version))
  })
})
