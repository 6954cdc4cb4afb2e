import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { goldenCases } from './fixtures/golden-cases.js'

// Golden bytes: encoder output is compared with committed fixtures; run
// with TESSERA_UPDATE_GOLDEN=1 to rewrite them (then review the diff).
const update = process.env.TESSERA_UPDATE_GOLDEN === '1'
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.golden`, import.meta.url))
const protoDir = fileURLToPath(new URL('../../../proto/', import.meta.url))
// PROTOC names another binary (or a missing one, to see the CI=true failure).
const protoc = (process.env.PROTOC ? [process.env.PROTOC] : ['/usr/bin/protoc', 'protoc']).find(
  (p) => spawnSync(p, ['--version'], { encoding: 'utf8' }).status === 0,
)

describe('golden bytes', () => {
  for (const c of goldenCases) {
    it(`${c.name} encodes to fixtures/${c.name}.golden and back`, () => {
      const bytes = Buffer.from(c.type.encode(c.message))
      if (update) writeFileSync(fixture(c.name), bytes)
      expect(existsSync(fixture(c.name)), 'missing fixture: run with TESSERA_UPDATE_GOLDEN=1').toBe(true)
      const golden = readFileSync(fixture(c.name))
      expect(bytes.toString('hex')).toBe(golden.toString('hex'))
      expect(c.type.decode(golden)).toEqual(c.message)
    })
  }
})

// The bytes are standard protobuf: protoc, a separate implementation, reads them.
// Without protoc these are skipped, loudly — except under CI=true, where a
// missing protoc fails them (scripts/setup.sh installs it).
const ci = process.env.CI === 'true'
describe.skipIf(!protoc && !ci)('protoc --decode', () => {
  it('has protoc (CI=true requires it)', () => {
    expect(protoc, 'protoc is missing: apt-get install protobuf-compiler (scripts/setup.sh)').toBeDefined()
  })
  for (const c of goldenCases) {
    it(`reads ${c.name} as ${c.type.name}`, () => {
      const r = spawnSync(protoc!, ['-I', protoDir, `--decode=${c.type.name}`, protoFile(c.type.name)], {
        input: Buffer.from(c.type.encode(c.message)),
        encoding: 'utf8',
      })
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe(c.protoc)
    })

    it(`writes ${c.name} from text to the same bytes as ours`, () => {
      const r = spawnSync(protoc!, ['-I', protoDir, `--encode=${c.type.name}`, protoFile(c.type.name)], {
        input: c.protoc,
      })
      expect(r.stderr.toString()).toBe('')
      expect(r.stdout.toString('hex')).toBe(readFileSync(fixture(c.name)).toString('hex'))
    })
  }
})

if (!protoc && !ci)
  console.warn('protoc --decode tests skipped: protoc not found (apt-get install protobuf-compiler)')

function protoFile(typeName: string): string {
  if (typeName.startsWith('tessera.')) return 'tessera/control.proto'
  if (typeName.startsWith('game.Chat')) return 'game/chat.proto'
  if (typeName.startsWith('game.Profile')) return 'game/profile.proto'
  return 'game/echo.proto'
}
