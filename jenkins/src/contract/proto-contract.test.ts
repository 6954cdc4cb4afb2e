import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { compareFields, type FieldTable, wireCompatible } from './field-contract.js'
import {
  compareContract,
  compareMessageIds,
  contractPaths,
  currentContract,
  emptySnapshot,
  type ProtoContract,
  recordDrift,
} from './proto-contract.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const paths = contractPaths(repo)
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'contract-'))
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }))

const snap = (messages: Record<string, string>, retired: Record<string, string> = {}): ProtoContract => ({
  ...emptySnapshot(),
  messages,
  retired,
})
const ids = (...pairs: [number, string][]) => new Map(pairs)

describe('compareMessageIds', () => {
  const base = snap({ '1000': 'game.Echo', '1010': 'game.Profile' }, { '1005': 'game.Old' })

  it.each([
    ['unchanged', ids([1000, 'game.Echo'], [1010, 'game.Profile']), [], []],
    ['a new message', ids([1000, 'game.Echo'], [1010, 'game.Profile'], [1020, 'game.Chat']), [], ['added']],
    ['a removed message', ids([1000, 'game.Echo']), [], ['removed']],
    ['a renumbered message', ids([1000, 'game.Echo'], [1011, 'game.Profile']), ['renumbered'], []],
    [
      'a live id taken by another message (renamed)',
      ids([1000, 'game.Echo'], [1010, 'game.Profile2']),
      ['reused'],
      ['removed'],
    ],
    [
      'a retired id used again',
      ids([1000, 'game.Echo'], [1010, 'game.Profile'], [1005, 'game.New']),
      ['reused'],
      [],
    ],
    [
      'a removed message coming back with its old id',
      ids([1000, 'game.Echo'], [1010, 'game.Profile'], [1005, 'game.Old']),
      [],
      [],
    ],
  ])('%s', (_name, current, violations, drift) => {
    const r = compareMessageIds(base, current)
    expect(r.violations.map((v) => v.code)).toEqual(violations)
    expect(r.drift.map((d) => d.code)).toEqual(drift)
  })

  it('records drift: added ids become live, removed ones retired', () => {
    const current = ids([1000, 'game.Echo'], [1020, 'game.Chat'])
    const next = recordDrift(base, { ...compareMessageIds(base, current) })
    expect(next).toEqual(
      snap({ '1000': 'game.Echo', '1020': 'game.Chat' }, { '1005': 'game.Old', '1010': 'game.Profile' }),
    )
    expect(compareMessageIds(next, current)).toEqual({ violations: [], drift: [] })
    // The retired id now blocks reuse.
    expect(compareMessageIds(next, ids([1010, 'game.Other'])).violations[0]).toMatchObject({
      code: 'reused',
      retired: true,
    })
  })

  it('refuses to record a violation', () => {
    const r = compareMessageIds(base, ids([1000, 'game.Echo'], [1011, 'game.Profile']))
    expect(() => recordDrift(base, r)).toThrow(/renumbered: game.Profile had msg id 1010, now 1011/)
  })
})

describe('compareFields', () => {
  const M = 'game.M'
  const base: FieldTable = {
    [M]: { '1': { name: 'text', type: 'string' }, '2': { name: 'seq', type: 'uint32' } },
  }
  const retired: FieldTable = { [M]: { '3': { name: 'old', type: 'int64' } } }
  const codes = (now: FieldTable) => {
    const r = compareFields(base, retired, now)
    return { violations: r.violations.map((v) => v.code), drift: r.drift.map((d) => d.code) }
  }
  const withField = (n: string, f: { name: string; type: string; repeated?: true } | null): FieldTable => {
    const m = { ...base[M] }
    if (f) m[n] = f
    else delete m[n]
    return { [M]: m }
  }

  it.each([
    ['unchanged', base, [], []],
    [
      'a wire-incompatible type (uint32 → string)',
      withField('2', { name: 'seq', type: 'string' }),
      ['field-retyped'],
      [],
    ],
    [
      'singular → repeated',
      withField('2', { name: 'seq', type: 'uint32', repeated: true }),
      ['field-retyped'],
      [],
    ],
    [
      'a different message type',
      withField('1', { name: 'text', type: 'message game.X' }),
      ['field-retyped'],
      [],
    ],
    [
      'a compatible type (uint32 → uint64)',
      withField('2', { name: 'seq', type: 'uint64' }),
      [],
      ['field-changed'],
    ],
    ['string → bytes', withField('1', { name: 'text', type: 'bytes' }), [], ['field-changed']],
    ['a renamed field', withField('2', { name: 'sequence', type: 'uint32' }), [], ['field-changed']],
    ['a new field', withField('4', { name: 'extra', type: 'bool' }), [], ['field-added']],
    ['a removed field', withField('2', null), [], ['field-removed']],
    ['a retired number reused', withField('3', { name: 'other', type: 'int64' }), ['field-reused'], []],
    ['a retired field back as it was', withField('3', { name: 'old', type: 'int64' }), [], ['field-added']],
    [
      'a renumbered field',
      { [M]: { '1': base[M]!['1']!, '7': { name: 'seq', type: 'uint32' } } },
      ['field-renumbered'],
      [],
    ],
  ])('%s', (_name, now, violations, drift) => {
    expect(codes(now)).toEqual({ violations, drift })
  })

  it('knows the protobuf wire groups', () => {
    const f = (type: string) => ({ name: 'x', type })
    expect(wireCompatible(f('int32'), f('enum game.Gender'))).toBe(true)
    expect(wireCompatible(f('sint32'), f('sint64'))).toBe(true)
    expect(wireCompatible(f('sint32'), f('int32'))).toBe(false)
    expect(wireCompatible(f('fixed32'), f('fixed64'))).toBe(false)
    expect(wireCompatible(f('float'), f('double'))).toBe(false)
  })

  it('records drift: a removed field is retired and then blocks reuse', () => {
    const snapshot: ProtoContract = { ...emptySnapshot(), fields: base }
    const now = { ids: new Map<number, string>(), fields: withField('2', null) }
    const next = recordDrift(snapshot, compareContract(snapshot, now))
    expect(next.retiredFields).toEqual({ [M]: { '2': { name: 'seq', type: 'uint32' } } })
    expect(compareContract(next, now)).toEqual({ violations: [], drift: [] })
    const reuse = compareContract(next, {
      ids: now.ids,
      fields: withField('2', { name: 'n', type: 'uint32' }),
    })
    expect(reuse.violations.map((v) => v.code)).toEqual(['field-reused'])
    expect(() => recordDrift(next, reuse)).toThrow(/field reused: game.M field 2/)
  })
})

describe('the committed snapshot (jenkins/contract/proto-contract.json)', () => {
  it('matches proto/ (after a compatible change, run the contract cli with --write)', () => {
    const snapshot = JSON.parse(readFileSync(paths.snapshot, 'utf8')) as ProtoContract
    expect(compareContract(snapshot, currentContract(paths.protoDir))).toEqual({ violations: [], drift: [] })
  })
})

// Each case spawns the CLI (tsx) up to three times: minutes on a loaded 2-core box, not the 20 s default.
describe('contract cli', { timeout: 180_000 }, () => {
  let n = 0
  /** A copy of proto/ and of the snapshot, with `edit` applied to game/echo.proto. */
  function fixture(edit: (text: string) => string): { proto: string; snapshot: string } {
    const dir = path.join(tmpRoot, `t${n++}`)
    cpSync(paths.protoDir, path.join(dir, 'proto'), { recursive: true })
    cpSync(paths.snapshot, path.join(dir, 'ids.json'))
    const echo = path.join(dir, 'proto/game/echo.proto')
    writeFileSync(echo, edit(readFileSync(echo, 'utf8')))
    return { proto: path.join(dir, 'proto'), snapshot: path.join(dir, 'ids.json') }
  }
  const cli = (f: { proto: string; snapshot: string }, ...args: string[]) =>
    spawnSync(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        path.join(repo, 'jenkins/src/contract/cli.ts'),
        '--proto',
        f.proto,
        '--snapshot',
        f.snapshot,
        ...args,
      ],
      { cwd: repo, encoding: 'utf8' },
    )

  it('passes on the committed proto/', () => {
    const r = cli(fixture((t) => t))
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/message ids and \d+ messages' fields match the snapshot/)
    expect(r.status).toBe(0)
  })

  it('fails on a renumbered message, and --write will not record it', () => {
    const f = fixture((t) => t.replace('msg_id) = 1000;', 'msg_id) = 1001;'))
    const check = cli(f)
    expect(check.status).toBe(1)
    expect(check.stderr).toMatch(/renumbered: game.Echo had msg id 1000, now 1001/)
    const before = readFileSync(f.snapshot, 'utf8')
    const write = cli(f, '--write')
    expect(write.status).toBe(1)
    expect(readFileSync(f.snapshot, 'utf8')).toBe(before)
  })

  it('fails on an id reused by a renamed message', () => {
    const f = fixture((t) => t.replace('message Echo {', 'message Echo2 {'))
    const r = cli(f)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/reused: msg id 1000 belonged to game.Echo, now used by game.Echo2/)
  })

  it('fails on a retyped field, and --write will not record it', () => {
    const f = fixture((t) => t.replace('uint32 seq = 3;', 'string seq = 3;'))
    const check = cli(f)
    expect(check.status).toBe(1)
    expect(check.stderr).toMatch(/field retyped: game.Echo field 3 was `uint32 seq`, now `string seq`/)
    expect(cli(f, '--write').status).toBe(1)
  })

  it('fails on a renumbered field', () => {
    const f = fixture((t) => t.replace('uint32 seq = 3;', 'uint32 seq = 5;'))
    const r = cli(f)
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/field renumbered: game.Echo.seq had number 3, now 5/)
  })

  it('fails on an unrecorded new message until --write records it', () => {
    const f = fixture(
      (t) => `${t}\nmessage EchoTwo {\n  option (tessera.msg_id) = 1999;\n  string text = 1;\n}\n`,
    )
    const check = cli(f)
    expect(check.status).toBe(1)
    expect(check.stderr).toMatch(/not recorded: game.EchoTwo \(msg id 1999\) is new/)
    expect(cli(f, '--write').status).toBe(0)
    expect(cli(f).status).toBe(0)
  })
})
