import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { collectCodes, docPath } from './errors-doc.js'

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
})
