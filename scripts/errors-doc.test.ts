import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { collectCodes, docPath, errorModules } from './errors-doc.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Source files (tests and fixtures left out) under `dir` that define error codes. */
function definingModules(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'fixtures' && e.name !== 'dist')
        out.push(...definingModules(p))
    } else if (
      e.name.endsWith('.ts') &&
      !e.name.endsWith('.test.ts') &&
      /\bdefineError\b/.test(readFileSync(p, 'utf8'))
    )
      out.push(p)
  }
  return out
}

describe('docs/errors.md', () => {
  it('documents every error code, and only codes that exist', async () => {
    const codes = await collectCodes()
    const doc = readFileSync(docPath, 'utf8')
    const documented = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]))
    const missing = [...codes.keys()].filter((c) => !documented.has(c) && !c.startsWith('TEST_'))
    const retired = [...documented].filter((c) => !codes.has(c!))
    expect(missing, 'codes missing from docs/errors.md (regenerate it)').toEqual([])
    expect(retired, 'codes in docs/errors.md that no longer exist').toEqual([])
  })

  it('loads every errors module of the services, tools and deploy (a module it skips leaves its codes undocumented)', () => {
    const dirs = ['services', 'tools'].flatMap((g) =>
      readdirSync(path.join(root, g)).map((d) => path.join(root, g, d, 'src')),
    )
    const files = [...dirs, path.join(root, 'deploy/src')].flatMap((d) => {
      try {
        return definingModules(d)
      } catch {
        return []
      }
    })
    const listed = new Set(Object.keys(errorModules).map((k) => path.resolve(root, 'scripts', `${k}.ts`)))
    const skipped = files.filter((f) => !listed.has(f)).map((f) => path.relative(root, f))
    expect(skipped, 'errors modules missing from errorModules in scripts/errors-doc.ts').toEqual([])
  })
})
