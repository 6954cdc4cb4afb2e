import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

/**
 * Bundle a browser entry the way an app would: `tessera-source` picks the
 * TypeScript sources of workspace packages, platform browser refuses any
 * node: import.
 */
export async function bundleForBrowser(entry: string, opts: { minify?: boolean } = {}): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['tessera-source'],
    minify: opts.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  })
  return r.outputFiles[0]!.text
}

export const browserPageEntry = here('../browser/page.ts')
export const gamePageEntry = here('../browser/game-page.ts')
export const sdkOnlyEntry = here('../browser/sdk-only.ts')
