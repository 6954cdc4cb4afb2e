import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { errorRegistry } from '../errors/index.js'
import './index.js'

describe('codec errors', () => {
  it('every CODEC_ code is documented in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8')
    const codes = [...errorRegistry.keys()].filter((c) => c.startsWith('CODEC_'))
    expect(codes.length).toBeGreaterThanOrEqual(11)
    for (const c of codes) expect(doc, c).toContain(`\`${c}\``)
  })
})
