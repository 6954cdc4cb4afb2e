import { gzipSync } from 'node:zlib'
import { createRegistry } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { bundleForBrowser, sdkOnlyEntry } from '../support/bundle.js'

describe('browser bundle of the SDK', () => {
  it('builds for the browser without Node modules and stays small', async () => {
    const js = await bundleForBrowser(sdkOnlyEntry)
    const gz = gzipSync(js).length
    console.info(
      `@tessera/client browser bundle (SDK + generated client protocol + its wire runtime): ${js.length} B minified, ${gz} B gzip`,
    )
    expect(js).not.toMatch(/node:(net|crypto|zlib)/)
    // Server-only messages stay out of client code.
    const serverOnly = createRegistry()
      .list()
      .filter((t) => t.serverOnly)
    for (const t of serverOnly) expect(js).not.toContain(`"${t.name}"`)
    expect(js).toContain('"tessera.Handshake"')
    // A generous ceiling: the point is to notice a dependency dragged in by mistake.
    expect(gz).toBeLessThan(40 * 1024)
  })
})
