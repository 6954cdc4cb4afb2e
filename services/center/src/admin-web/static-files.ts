import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** A file the page loads, read once at start. */
export interface StaticFile {
  type: string
  body: Buffer
}

// From src/admin-web/ (tsx) and from dist/admin-web/ (built) alike: the
// assets stay in src, which the release bundle ships.
const STATIC_DIR = fileURLToPath(new URL('../../src/admin-web/static/', import.meta.url))
const require = createRequire(import.meta.url)

/** The page's files by URL path: its own under /ui/, uPlot (npm `uplot`, from node_modules) under /ui/vendor/. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const own = (name: string, type: string): StaticFile => ({
    type,
    body: readFileSync(`${STATIC_DIR}${name}`),
  })
  const dep = (spec: string, type: string): StaticFile => ({
    type,
    body: readFileSync(require.resolve(spec)),
  })
  const html = own('index.html', 'text/html; charset=utf-8')
  return new Map([
    ['/ui', html],
    ['/ui/', html],
    ['/ui/app.js', own('app.js', 'text/javascript; charset=utf-8')],
    ['/ui/app.css', own('app.css', 'text/css; charset=utf-8')],
    ['/ui/vendor/uPlot.iife.min.js', dep('uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8')],
    ['/ui/vendor/uPlot.min.css', dep('uplot/dist/uPlot.min.css', 'text/css; charset=utf-8')],
  ])
}
