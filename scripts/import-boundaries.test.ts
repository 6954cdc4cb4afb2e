import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '@tessera/testkit'
import { afterAll, describe, expect, it } from 'vitest'

// Package boundaries are sealed by the lint rule in biome.json
// (noRestrictedImports): a file imports another package only through its
// entry point. This runs the repository's biome config over probe files laid
// out like the repository, so deleting or loosening the rule turns it red.

const repo = fileURLToPath(new URL('..', import.meta.url))
const biome = path.join(repo, 'node_modules/.bin/biome')
const dir = tempDir('boundaries')
copyFileSync(path.join(repo, 'biome.json'), path.join(dir.path, 'biome.json'))
afterAll(() => dir.remove())

const bad: [string, string][] = [
  ['tests/client/probe*.test.ts', '../../packages/kernel/src/net/index.js'],
  ['tests/support/probe*.ts', '../../packages/client/src/node.js'],
  ['packages/kernel/bench/probe*.bench.ts', '../../protocol/src/index.js'],
  ['packages/kernel/bench/edge/probe*.ts', '../../../protocol/src/index.js'],
  ['packages/kernel/bench/probe*.bench.ts', '../../../scripts/bench-lib.js'],
  ['packages/client/src/probe*.ts', '../../wire/src/frame/index.js'],
  ['services/logic/src/probe*.ts', '../../../packages/storage/src/testing/mariadb.js'],
  ['services/logic/src/probe*.ts', '@tessera/kernel/src/net/index.js'],
  ['tests/probe*.ts', '../services/center/src/errors.js'],
]
const good: [string, string][] = [
  ['tests/client/probe*.test.ts', '@tessera/kernel'],
  ['tests/support/probe*.ts', '@tessera/client/node'],
  ['packages/kernel/bench/probe*.bench.ts', '@tessera/testkit/bench'],
  ['packages/kernel/bench/probe*.bench.ts', '../src/net/index.js'],
  ['packages/kernel/src/edge/probe*.ts', '../net/index.js'],
]

// One probe file per case, linted in one biome run.
let n = 0
const place = ([file, specifier]: [string, string]) => {
  const rel = file.replace('*', String(n++))
  mkdirSync(path.dirname(path.join(dir.path, rel)), { recursive: true })
  writeFileSync(path.join(dir.path, rel), `import { x } from '${specifier}'\n\nexport const y = x\n`)
  return { rel, specifier }
}
const badFiles = bad.map(place)
const goodFiles = good.map(place)
const run = spawnSync(biome, ['lint', '--max-diagnostics=none', 'packages', 'services', 'tests'], {
  cwd: dir.path,
  encoding: 'utf8',
})
const out = `${run.stdout}${run.stderr}`
const flagged = (rel: string) => out.includes(`${rel}:1:19 lint/style/noRestrictedImports`)

describe('package boundaries (biome noRestrictedImports)', () => {
  it('fails the lint run', () => {
    expect(run.status).not.toBe(0)
  })
  for (const { rel, specifier } of badFiles)
    it(`refuses ${specifier} in ${rel}`, () => {
      expect(flagged(rel)).toBe(true)
    })
  for (const { rel, specifier } of goodFiles)
    it(`allows ${specifier} in ${rel}`, () => {
      expect(out).not.toContain(rel)
    })
})
