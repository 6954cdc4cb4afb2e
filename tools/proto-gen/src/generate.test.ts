import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generate, staleFiles, writeFiles } from './generate.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const protoDir = path.join(repo, 'proto')
const P = 'packages/protocol/src/generated'
const W = 'packages/wire/src/generated'
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'proto-gen-'))
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))

let n = 0
const tmp = () => path.join(tmpRoot, `t${n++}`)

function cli(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'tools/proto-gen/src/cli.ts'), ...args],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  )
}

describe('proto-gen', () => {
  const files = generate({ protoDir })

  it('committed packages/{wire,protocol}/src/generated are up to date (run `pnpm proto:gen` if this fails)', () => {
    expect(staleFiles(files, repo)).toEqual([])
  })

  it('puts platform messages in @tessera/wire and game messages in @tessera/protocol', () => {
    expect(files.has(`${W}/tessera/control.ts`)).toBe(true)
    expect(files.has(`${W}/tessera/cluster.ts`)).toBe(true)
    expect(files.has(`${P}/game/chat.ts`)).toBe(true)
    expect([...files.keys()].filter((f) => f.startsWith(`${P}/tessera/`))).toEqual([])
    // Game modules reach the runtime and platform types through the wire package's surface.
    expect(files.get(`${P}/game/chat.ts`)).toContain("from '@tessera/wire'")
    expect(files.get(`${W}/tessera/control.ts`)).toContain("from '../../runtime/index.js'")
  })

  it('is deterministic', () => {
    expect([...generate({ protoDir })]).toEqual([...files])
  })

  it('finds changed, missing and extra files', () => {
    const out = tmp()
    writeFiles(files, out)
    expect(staleFiles(files, out)).toEqual([])
    writeFileSync(
      path.join(out, P, 'game/chat.ts'),
      `${readFileSync(path.join(out, P, 'game/chat.ts'), 'utf8')}// edit\n`,
    )
    unlinkSync(path.join(out, P, 'client/msg-id.ts'))
    writeFileSync(path.join(out, P, 'game/old.ts'), 'export {}\n')
    writeFileSync(path.join(out, W, 'tessera/old.ts'), 'export {}\n')
    expect(staleFiles(files, out)).toEqual([
      `${P}/client/msg-id.ts`,
      `${P}/game/chat.ts`,
      `${P}/game/old.ts`,
      `${W}/tessera/old.ts`,
    ])
    writeFiles(files, out)
    expect(staleFiles(files, out)).toEqual([])
  })

  it('--check exits 1 on stale output and 0 once regenerated', () => {
    const out = tmp()
    const stale = cli('--check', '--root', out)
    expect(stale.status).toBe(1)
    expect(stale.stderr).toMatch(/out of date/)
    expect(cli('--root', out).status).toBe(0)
    const fresh = cli('--check', '--root', out)
    expect(fresh.stderr).toBe('')
    expect(fresh.status).toBe(0)
  })

  it('leaves server-only messages out of the client surfaces, with one client schema hash', () => {
    expect(files.get(`${P}/game/profile.ts`)).toContain('export interface ProfileChanged')
    // The client entries are filtered re-exports of the same modules, not copies.
    expect([...files.keys()].filter((f) => f.startsWith(`${P}/client/game/`))).toEqual([])
    expect(files.get(`${P}/client/index.ts`)).toContain("from '../game/profile.js'")
    expect(files.get(`${P}/client/index.ts`)).toContain('ProfileGet,')
    expect(files.get(`${P}/client/index.ts`)).not.toContain('ProfileChanged')
    expect(files.get(`${P}/client/registry.ts`)).not.toContain('ProfileChanged')
    expect(files.get(`${P}/client/msg-id.ts`)).not.toContain('1014')
    expect(files.get(`${W}/client.ts`)).toContain('Handshake,')
    for (const serverOnly of ['cluster.js', 'LinkHello', 'RegisterService'])
      expect(files.get(`${W}/client.ts`)).not.toContain(serverOnly)
    expect(files.get(`${P}/client/schema.ts`)).toMatch(/SCHEMA_HASH = '[0-9a-f]{64}'/)
    expect(files.get(`${P}/client/schema.ts`)).not.toContain('FULL_SCHEMA_HASH')
    expect(files.get(`${P}/schema.ts`)).toContain("export { SCHEMA_HASH } from './client/schema.js'")
    expect(files.get(`${P}/schema.ts`)).toMatch(/FULL_SCHEMA_HASH = '[0-9a-f]{64}'/)
  })
})

/** A copy of proto/ with one game file replaced, to test what the generator refuses. */
function withGameFile(body: string): string {
  const dir = tmp()
  cpSync(path.join(protoDir, 'tessera'), path.join(dir, 'tessera'), { recursive: true })
  writeFileSync(
    path.join(dir, 'game.proto'),
    `syntax = "proto3";\npackage game;\nimport "tessera/options.proto";\n${body}\n`,
  )
  return dir
}

describe('proto-gen schema checks', () => {
  const cases: [string, string, RegExp][] = [
    [
      'duplicate msg ids',
      'message A { option (tessera.msg_id) = 1000; } message B { option (tessera.msg_id) = 1000; }',
      /msg id 1000 is used by both game.A and game.B/,
    ],
    [
      'a game id in the platform range',
      'message A { option (tessera.msg_id) = 5; }',
      /game messages use msg ids >= 1000/,
    ],
    [
      'a client message using a server-only one',
      'message S { option (tessera.server_only) = true; } message C { option (tessera.msg_id) = 1001; S s = 1; }',
      /client-visible message uses server-only game.S/,
    ],
    ['map fields', 'message A { map<string, int32> m = 1; }', /map fields are not supported/],
    ['oneof', 'message A { oneof x { int32 a = 1; string b = 2; } }', /oneof is not supported/],
    ['a TypeScript name clash with the platform', 'message Heartbeat { }', /would both be named Heartbeat/],
    [
      'NoLog on a type without an id',
      'message A { option (tessera.no_log_req) = true; }',
      /no_log options need a msg_id/,
    ],
  ]
  for (const [what, body, err] of cases)
    it(`refuses ${what}`, () => {
      expect(() => generate({ protoDir: withGameFile(body) })).toThrow(err)
    })

  it('hash ignores comments and order but not field numbers', () => {
    const hashOf = (body: string) =>
      /SCHEMA_HASH = '(\w+)'/.exec(
        generate({ protoDir: withGameFile(body) }).get(`${P}/client/schema.ts`)!,
      )![1]
    const base = hashOf('message A { option (tessera.msg_id) = 1000; string x = 1; int64 y = 2; }')
    expect(hashOf('// hello\nmessage A { option (tessera.msg_id) = 1000; int64 y = 2; string x = 1; }')).toBe(
      base,
    )
    expect(hashOf('message A { option (tessera.msg_id) = 1000; string x = 1; int64 y = 3; }')).not.toBe(base)
    expect(hashOf('message A { option (tessera.msg_id) = 1001; string x = 1; int64 y = 2; }')).not.toBe(base)
  })
})
