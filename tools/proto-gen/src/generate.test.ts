import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generate, staleFiles, writeFiles } from './generate.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const protoDir = path.join(repo, 'proto')
const committed = path.join(repo, 'packages/protocol/src/generated')
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

  it('committed packages/protocol/src/generated is up to date (run `pnpm proto:gen` if this fails)', () => {
    expect(staleFiles(files, committed)).toEqual([])
  })

  it('is deterministic', () => {
    expect([...generate({ protoDir })]).toEqual([...files])
  })

  it('finds changed, missing and extra files', () => {
    const out = tmp()
    writeFiles(files, out)
    expect(staleFiles(files, out)).toEqual([])
    writeFileSync(
      path.join(out, 'game/chat.ts'),
      `${readFileSync(path.join(out, 'game/chat.ts'), 'utf8')}// edit\n`,
    )
    unlinkSync(path.join(out, 'client/msg-id.ts'))
    writeFileSync(path.join(out, 'game/old.ts'), 'export {}\n')
    expect(staleFiles(files, out)).toEqual(['client/msg-id.ts', 'game/chat.ts', 'game/old.ts'])
    writeFiles(files, out)
    expect(staleFiles(files, out)).toEqual([])
  })

  it('--check exits 1 on stale output and 0 once regenerated', () => {
    const out = tmp()
    const stale = cli('--check', '--out', out)
    expect(stale.status).toBe(1)
    expect(stale.stderr).toMatch(/out of date/)
    expect(cli('--out', out).status).toBe(0)
    const fresh = cli('--check', '--out', out)
    expect(fresh.stderr).toBe('')
    expect(fresh.status).toBe(0)
  })

  it('leaves server-only messages out of the client variant, with the same client schema hash', () => {
    const server = files.get('game/profile.ts')!
    const client = files.get('client/game/profile.ts')!
    expect(server).toContain('export interface ProfileChanged')
    expect(client).not.toContain('ProfileChanged')
    expect(files.get('client/registry.ts')).not.toContain('ProfileChanged')
    expect(files.get('client/msg-id.ts')).not.toContain('1014')
    const hash = (f: string) => /SCHEMA_HASH = '([0-9a-f]{64})'/.exec(files.get(f)!)![1]
    expect(hash('client/schema.ts')).toBe(hash('schema.ts'))
    expect(files.get('schema.ts')).toMatch(/FULL_SCHEMA_HASH = '[0-9a-f]{64}'/)
    expect(files.get('client/schema.ts')).not.toContain('FULL_SCHEMA_HASH')
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
      /SCHEMA_HASH = '(\w+)'/.exec(generate({ protoDir: withGameFile(body) }).get('schema.ts')!)![1]
    const base = hashOf('message A { option (tessera.msg_id) = 1000; string x = 1; int64 y = 2; }')
    expect(hashOf('// hello\nmessage A { option (tessera.msg_id) = 1000; int64 y = 2; string x = 1; }')).toBe(
      base,
    )
    expect(hashOf('message A { option (tessera.msg_id) = 1000; string x = 1; int64 y = 3; }')).not.toBe(base)
    expect(hashOf('message A { option (tessera.msg_id) = 1001; string x = 1; int64 y = 2; }')).not.toBe(base)
  })
})
