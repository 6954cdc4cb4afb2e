import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { scan } from './scan.js'

const made: string[] = []
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tessera-scan-'))
  made.push(root)
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, p)), { recursive: true })
    writeFileSync(path.join(root, p), content)
  }
  return root
}

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))

describe('component scan', () => {
  it('collects declarations into each service list in sort order', () => {
    const root = tree({
      'services/logic/package.json': '{}',
      'services/gateway/package.json': '{}',
      'services/logic/src/chat/chat.ts': '// @component logic sort=20\nexport const chat = {}\n',
      'services/logic/src/profile.ts':
        '// @component logic sort=10\n\n// why it exists\nexport const profile = {}\n',
      'services/logic/src/chat/chat.test.ts': '// @component nowhere\nexport const ignored = {}\n',
      'services/gateway/src/edge.ts': '// @component gateway\nexport const edge = {}\n',
    })
    const r = scan(root)
    expect(r.services).toEqual(['gateway', 'logic'])
    const logic = r.outputs.get('logic')!.content
    expect(logic).toContain("import { chat } from '../chat/chat.js'")
    expect(logic).toContain("import { profile } from '../profile.js'")
    expect(logic).toContain('= [profile, chat]')
    expect(r.outputs.get('gateway')!.content).toContain('= [edge]')
  })

  it('fails naming the file and line when a service does not exist', () => {
    const root = tree({
      'services/logic/package.json': '{}',
      'services/logic/src/a.ts': 'const x = 1\n// @component lobby\nexport const a = {}\n',
    })
    expect(() => scan(root)).toThrow(
      'services/logic/src/a.ts:2: @component names service "lobby", which does not exist (services: logic)',
    )
  })

  it('fails on a marker not followed by an exported const, and on a bad option', () => {
    const root = tree({
      'services/logic/package.json': '{}',
      'services/logic/src/a.ts':
        '// @component logic\nfunction a() {}\n// @component logic order=1\nexport const b = {}\n',
    })
    expect(() => scan(root)).toThrow(
      /a.ts:1: @component must be followed by "export const NAME"[\s\S]*a.ts:3: @component: unknown option "order=1"/,
    )
  })

  it('the CLI writes lists, --check detects staleness, and a bad service fails with status 1', () => {
    const root = tree({
      'services/logic/package.json': '{}',
      'services/logic/src/a.ts': '// @component logic\nexport const a = {}\n',
    })
    const run = (...args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', cli, '--root', root, ...args], {
        encoding: 'utf8',
        stdio: 'pipe',
      })
    expect(() => run('--check')).toThrow(/stale/)
    run()
    expect(readFileSync(path.join(root, 'services/logic/src/generated/components.ts'), 'utf8')).toContain(
      '= [a]',
    )
    expect(run('--check')).toContain('up to date')
    writeFileSync(path.join(root, 'services/logic/src/b.ts'), '// @component lobby\nexport const b = {}\n')
    let status = 0
    let stderr = ''
    try {
      run()
    } catch (e) {
      status = (e as { status: number }).status
      stderr = (e as { stderr: string }).stderr
    }
    expect(status).toBe(1)
    expect(stderr).toContain('services/logic/src/b.ts:1: @component names service "lobby"')
  })
})
