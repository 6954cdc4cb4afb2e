import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ICON_CATALOGUE_HASH, Icon } from '@tessera/constants'
import type { TesseraError } from '@tessera/kernel'
// Test-only helper from the storage package (real MariaDB, never a stand-in).
import { sql, testDatabase, withDatabase } from '@tessera/storage/testing'
import { format } from 'mysql2'
import { createConnection } from 'mysql2/promise'
import { afterEach, describe, expect, it } from 'vitest'
import { applyCatalogue } from './apply-catalogue.js'
import { catalogueHash } from './catalogue-hash.js'
import { catalogueStatements, renderCatalogueSql } from './catalogue-sql.js'
import { DEFAULT_DIR, DEFAULT_MODULE, repoRoot, runCli } from './cli.js'
import {
  IconsBadDescription,
  IconsDbFailed,
  IconsDuplicateId,
  IconsDuplicateName,
  IconsGeneratedStale,
  IconsInvalid,
  IconsMemberClash,
  IconsMissingFile,
  IconsNotPng,
  IconsTooLarge,
  IconsUndescribedFile,
} from './errors.js'
import { type Catalogue, loadCatalogue } from './load-catalogue.js'
import { encodePng, pngChunk } from './png-encode.js'
import { renderIconEnum } from './render-enum.js'

const ROOT = repoRoot(path.dirname(fileURLToPath(import.meta.url)))
const SAMPLE = path.join(ROOT, DEFAULT_DIR)

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Desc = { id: number; name: string; description: string; file?: string }
/** A catalogue folder in a temp dir: each described icon gets a solid w×h PNG unless `files` says otherwise. */
function folder(icons: Desc[], opts: { size?: number; files?: Record<string, Buffer | null> } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-icons-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const s = opts.size ?? 8
  for (const [n, i] of icons.entries()) {
    const file = i.file ?? `${i.name}.png`
    if (opts.files && file in opts.files) continue
    writeFileSync(path.join(dir, file), solid(s, s, n))
  }
  for (const [f, b] of Object.entries(opts.files ?? {})) if (b) writeFileSync(path.join(dir, f), b)
  writeFileSync(path.join(dir, 'icons.json'), JSON.stringify({ icons }))
  return dir
}
const solid = (w: number, h: number, seed = 0) => encodePng(w, h, new Uint8Array(w * h * 4).fill(seed + 1))
const d = (id: number, name: string, extra: Partial<Desc> = {}): Desc => ({
  id,
  name,
  description: `${name} icon`,
  ...extra,
})

/** The problems of an ICONS_INVALID thrown by `fn`. */
function problems(fn: () => unknown): TesseraError[] {
  try {
    fn()
  } catch (err) {
    expect(IconsInvalid.is(err), String(err)).toBe(true)
    return (err as TesseraError).details!.problems as TesseraError[]
  }
  throw new Error('no error thrown')
}

async function cli(argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const status = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { status, out, err: err.join('\n') }
}

describe('the sample catalogue', () => {
  it('loads, and the committed enum in @tessera/constants is its current rendering', () => {
    const c = loadCatalogue({ dir: SAMPLE })
    expect(c.icons.map((i) => [i.id, i.name, i.member])).toEqual([
      [1, 'gold_coin', 'GoldCoin'],
      [2, 'gem', 'Gem'],
      [3, 'heart', 'Heart'],
      [10, 'sword', 'Sword'],
      [11, 'shield', 'Shield'],
      [20, 'health_potion', 'HealthPotion'],
    ])
    expect(c.hash).toBe(ICON_CATALOGUE_HASH)
    expect(Icon.HealthPotion).toBe(20)
    expect(readFileSync(path.join(ROOT, DEFAULT_MODULE), 'utf8')).toBe(renderIconEnum(c, ROOT))
  })

  it('passes build --check with the repository defaults', async () => {
    const r = await cli(['build', '--check'])
    expect(r.err).toContain('is up to date (6 icons')
    expect(r.status).toBe(0)
  })
})

describe('catalogue hash', () => {
  const base = [
    { id: 2, name: 'b', description: 'B', png: Buffer.from('bb') },
    { id: 1, name: 'a', description: 'A', png: Buffer.from('a') },
  ]
  it('changes with any id, name, description or PNG byte, not with order', () => {
    const h = catalogueHash(base)
    expect(catalogueHash([...base].reverse())).toBe(h)
    expect(catalogueHash([base[0]!, { ...base[1]!, id: 3 }])).not.toBe(h)
    expect(catalogueHash([base[0]!, { ...base[1]!, name: 'c' }])).not.toBe(h)
    expect(catalogueHash([base[0]!, { ...base[1]!, png: Buffer.from('b') }])).not.toBe(h)
    expect(catalogueHash([base[0]!, { ...base[1]!, description: 'A.' }])).not.toBe(h)
    // Length prefixes: moving a byte from a name into the description or the PNG is a different catalogue.
    expect(catalogueHash([{ id: 1, name: 'ab', description: '', png: Buffer.from('c') }])).not.toBe(
      catalogueHash([{ id: 1, name: 'a', description: '', png: Buffer.from('bc') }]),
    )
    expect(catalogueHash([{ id: 1, name: 'ab', description: 'c', png: Buffer.from('') }])).not.toBe(
      catalogueHash([{ id: 1, name: 'a', description: 'bc', png: Buffer.from('') }]),
    )
  })

  it('covers descriptions (clients are sent them): a changed text is a new catalogue', () => {
    const a = loadCatalogue({ dir: folder([d(1, 'a')]) })
    const b = loadCatalogue({ dir: folder([d(1, 'a', { description: 'another text' })]) })
    expect(b.hash).not.toBe(a.hash)
  })
})

describe('bad input: every problem named with its file, all reported at once', () => {
  it('duplicate ids, names and enum members', () => {
    const dir = folder([d(1, 'a'), d(1, 'b'), d(2, 'a', { file: 'a2.png' }), d(3, 'x_1y'), d(4, 'x1y')])
    const source = path.join(dir, 'icons.json')
    const p = problems(() => loadCatalogue({ dir }))
    expect(p.map((e) => e.code)).toEqual([
      IconsDuplicateId.code,
      IconsDuplicateName.code,
      IconsMemberClash.code,
    ])
    expect(p[0]!.message).toBe(`${source}: id 1 is used by both "a" and "b"`)
    expect(p[1]!.message).toBe(`${source}: name "a" is used by ids 1 and 2`)
    expect(p[2]!.message).toBe(`${source}: names "x_1y" and "x1y" both become the enum member X1y`)
  })

  it('missing and undescribed files', () => {
    const dir = folder([d(1, 'a'), d(2, 'b')], { files: { 'b.png': null, 'stray.png': solid(4, 4) } })
    const p = problems(() => loadCatalogue({ dir }))
    expect(p.map((e) => e.code)).toEqual([IconsMissingFile.code, IconsUndescribedFile.code])
    expect(p[0]!.message).toBe(`${path.join(dir, 'b.png')}: no such file (described as icon "b")`)
    expect(p[1]!.message).toContain(path.join(dir, 'stray.png'))
  })

  it('files that are not PNGs: renamed text, truncated, corrupted, trailing bytes, bad header', () => {
    const good = solid(4, 4)
    const corrupt = Buffer.from(good)
    corrupt[45] = corrupt[45]! ^ 0xff // inside IDAT's data (IHDR ends at 33): its CRC no longer matches
    // Well-formed chunks (CRCs right) but a header no decoder accepts.
    const withIhdr = (edit: (ihdr: Buffer) => void) => {
      const ihdr = Buffer.from(good.subarray(16, 29))
      edit(ihdr)
      return Buffer.concat([good.subarray(0, 8), pngChunk('IHDR', ihdr), good.subarray(33)])
    }
    const badDepth = withIhdr((h) => {
      h[8] = 3
    })
    const zeroWide = withIhdr((h) => h.writeUInt32BE(0, 0))
    const idatFirst = Buffer.concat([good.subarray(0, 8), good.subarray(33)])
    const cases: Record<string, [Buffer, RegExp]> = {
      'text.png': [Buffer.from('hello, not an image'), /no PNG signature/],
      'jpeg.png': [
        Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]),
        /no PNG signature/,
      ],
      'short.png': [good.subarray(0, good.length - 6), /truncated|runs past the end/],
      'corrupt.png': [corrupt, /bad CRC/],
      'tail.png': [Buffer.concat([good, Buffer.from('x')]), /1 bytes after IEND/],
      'depth.png': [badDepth, /bit depth 3 is not allowed for colour type 6/],
      'zero.png': [zeroWide, /bad dimensions 0x4/],
      'idat.png': [idatFirst, /first chunk is IDAT, not IHDR/],
      'empty.png': [Buffer.alloc(0), /no PNG signature/],
    }
    const icons = Object.keys(cases).map((f, i) => d(i + 1, f.replace('.png', ''), { file: f }))
    const dir = folder(icons, { files: Object.fromEntries(Object.entries(cases).map(([f, [b]]) => [f, b])) })
    const p = problems(() => loadCatalogue({ dir }))
    expect(p).toHaveLength(icons.length)
    for (const [i, f] of Object.keys(cases).entries()) {
      expect(IconsNotPng.is(p[i]), f).toBe(true)
      expect(p[i]!.message.startsWith(`${path.join(dir, f)}: not a valid PNG: `), p[i]!.message).toBe(true)
      expect(p[i]!.message).toMatch(cases[f]![1])
    }
  })

  it('oversize images, by pixels and by bytes (refused before reading)', () => {
    const dir = folder([d(1, 'wide', { file: 'wide.png' }), d(2, 'ok')], {
      files: { 'wide.png': solid(129, 8) },
    })
    const p = problems(() => loadCatalogue({ dir }))
    expect(p).toHaveLength(1)
    expect(IconsTooLarge.is(p[0])).toBe(true)
    expect(p[0]!.message).toBe(`${path.join(dir, 'wide.png')}: too large: 129x8 > max 128x128`)
    // A junk file past the byte cap is refused by size, before any PNG check could run.
    const big = folder([d(1, 'big', { file: 'big.png' })], {
      files: { 'big.png': Buffer.alloc(64 * 1024 + 1) },
    })
    const q = problems(() => loadCatalogue({ dir: big }))
    expect(q[0]!.message).toBe(`${path.join(big, 'big.png')}: too large: 65537 bytes > max 65536`)
    // Limits are configurable.
    expect(() => loadCatalogue({ dir: folder([d(1, 'a')], { size: 8 }), limits: { maxWidth: 4 } })).toThrow(
      /8x8 > max 4x128/,
    )
  })

  it('a bad description file: missing, not JSON, wrong shape', () => {
    const dir = folder([d(1, 'a')])
    const source = path.join(dir, 'icons.json')
    expect(() => loadCatalogue({ dir, description: path.join(dir, 'nope.json') })).toThrow(
      IconsBadDescription,
    )
    writeFileSync(source, '{"icons": [')
    expect(() => loadCatalogue({ dir })).toThrow(`${source}: not JSON`)
    const shapes: [unknown, RegExp][] = [
      [
        { icons: [{ id: 1, name: 'Gold Coin', description: 'x' }] },
        /icons\[0\]\.name: must be lower_snake_case/,
      ],
      [{ icons: [{ id: 0, name: 'a', description: 'x' }] }, /icons\[0\]\.id:/],
      [{ icons: [{ id: 1.5, name: 'a', description: 'x' }] }, /icons\[0\]\.id:/],
      [{ icons: [{ id: 1, name: 'a', description: '  ' }] }, /icons\[0\]\.description:/],
      [
        { icons: [{ id: 1, name: 'a', description: 'x', file: '../a.png' }] },
        /icons\[0\]\.file: must be a \.png/,
      ],
      [{ icons: [{ id: 1, name: 'a', description: 'x', colour: 'red' }] }, /icons\[0\]: .*\(colour\)/],
      [{ icon: [] }, /\(icon\)/],
    ]
    for (const [json, re] of shapes) {
      writeFileSync(source, JSON.stringify(json))
      expect(() => loadCatalogue({ dir }), JSON.stringify(json)).toThrow(IconsBadDescription)
      expect(() => loadCatalogue({ dir })).toThrow(re)
      expect(() => loadCatalogue({ dir })).toThrow(source)
    }
  })
})

describe('generated enum', () => {
  it('has a doc comment per icon, escapes comment ends, and compiles to the ids and hash', async () => {
    const dir = folder([
      d(7, 'big_star', { description: 'Star */ with a comment end\nand a second line' }),
      d(3, 'a'),
    ])
    const module = path.join(dir, 'out', 'icons.ts')
    const r = await cli(['build', '--dir', dir, '--module', module])
    expect(r.status, r.err).toBe(0)
    const text = readFileSync(module, 'utf8')
    expect(text).toContain('   * Star *\\/ with a comment end\n   * and a second line\n')
    const m = (await import(module)) as {
      Icon: Record<string, number>
      ICON_IDS: number[]
      ICON_CATALOGUE_HASH: string
    }
    expect(m.Icon.BigStar).toBe(7)
    expect(m.Icon.A).toBe(3)
    expect(m.ICON_IDS).toEqual([3, 7])
    expect(m.ICON_CATALOGUE_HASH).toBe(loadCatalogue({ dir }).hash)
  })

  it('build --check fails (exit 1, ICONS_GENERATED_STALE) when a PNG, an id or a name changed', async () => {
    const dir = folder([d(1, 'a'), d(2, 'b')])
    const module = path.join(dir, 'icons.ts')
    const check = () => cli(['build', '--check', '--dir', dir, '--module', module])
    expect((await check()).err).toContain(IconsGeneratedStale.code) // not written yet
    expect((await cli(['build', '--dir', dir, '--module', module])).status).toBe(0)
    expect((await check()).status).toBe(0)
    writeFileSync(path.join(dir, 'b.png'), solid(8, 8, 9))
    const r = await check()
    expect(r.status).toBe(1)
    expect(r.err).toBe(
      `tessera-icons: ICONS_GENERATED_STALE: ${module} is stale: it does not match ${path.join(dir, 'icons.json')} (run tessera-icons build)`,
    )
  })

  it('exit status 1 lists every problem; 2 for bad usage', async () => {
    const dir = folder([d(1, 'a'), d(1, 'b')], { files: { 'b.png': null } })
    const r = await cli(['hash', '--dir', dir])
    expect(r.status).toBe(1)
    expect(r.err).toContain('ICONS_INVALID')
    expect(r.err).toContain('ICONS_DUPLICATE_ID')
    expect(r.err).toContain(`ICONS_MISSING_FILE: ${path.join(dir, 'b.png')}`)
    expect((await cli([])).status).toBe(2)
    expect((await cli(['hash', '--max-size', '0', '--dir', dir])).status).toBe(2)
    expect((await cli(['apply', '--url', 'http://x', '--database', 'd', '--dir', SAMPLE])).err).toContain(
      'ICONS_BAD_URL',
    )
  })

  it('hash prints what the enum carries', async () => {
    const r = await cli(['hash', '--json'])
    expect(JSON.parse(r.out[0]!)).toEqual({ hash: ICON_CATALOGUE_HASH, icons: 6 })
  })
})

describe('SQL statements', () => {
  it('split a large catalogue into INSERTs of about 1 MiB (well under max_allowed_packet)', () => {
    // 40 icons of incompressible pixels: ~77 KB of base64 each, ~3 MB in all.
    const icons = Array.from({ length: 40 }, (_, i) => d(i + 1, `noise_${i + 1}`))
    const files: Record<string, Buffer> = {}
    for (const i of icons) files[`${i.name}.png`] = encodePng(120, 120, randomBytes(120 * 120 * 4))
    const c = loadCatalogue({ dir: folder(icons, { files }) })
    const inserts = catalogueStatements(c).filter((s) => s.sql.startsWith('INSERT INTO `icon` '))
    expect(inserts.length).toBeGreaterThanOrEqual(3)
    for (const s of inserts) expect(format(s.sql, s.params).length).toBeLessThan(1.2 * 1024 * 1024)
    expect(inserts.flatMap((s) => (s.params[0] as unknown[][]).map((r) => r[0]))).toEqual(
      icons.map((i) => i.id),
    )
  })
})

describe('database rows (real MariaDB)', () => {
  async function db() {
    const t = await testDatabase('icons')
    cleanups.push(() => t.drop())
    return { ...t, q: <T = Record<string, unknown>[]>(s: string) => sql<T>(withDatabase(t.url, t.name), s) }
  }
  /** A connection the test holds itself (closed after the test). */
  async function connectTo(url: string, database: string, multipleStatements = false) {
    const u = new URL(url)
    const conn = await createConnection({
      host: u.hostname,
      port: Number(u.port),
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      database,
      multipleStatements,
    })
    cleanups.push(() => conn.destroy())
    return conn
  }
  const rows = (q: (s: string) => Promise<Record<string, unknown>[]>) =>
    q('SELECT id, name, description, width, height, png_base64 FROM icon ORDER BY id')
  const expectRows = async (q: (s: string) => Promise<Record<string, unknown>[]>, c: Catalogue) => {
    expect(await rows(q)).toEqual(
      c.icons.map((i) => ({
        id: i.id,
        name: i.name,
        description: i.description,
        width: i.width,
        height: i.height,
        png_base64: i.png.toString('base64'),
      })),
    )
    const [h] = await q('SELECT hash, icons FROM icon_catalogue')
    expect(h).toEqual({ hash: c.hash, icons: c.icons.length })
  }

  it('apply loads the rows and hash, replaces a changed catalogue exactly, and is idempotent', {
    timeout: 120_000,
  }, async () => {
    const t = await db()
    const r = await cli(['apply', '--url', t.url, '--database', t.name])
    expect(r.status, r.err).toBe(0)
    expect(r.out).toEqual([ICON_CATALOGUE_HASH])
    const sample = loadCatalogue({ dir: SAMPLE })
    await expectRows(t.q, sample)
    // The stored base64 is the PNG file, byte for byte.
    const [coin] = await t.q('SELECT png_base64 FROM icon WHERE id = 1')
    expect(
      Buffer.from(coin!.png_base64 as string, 'base64').equals(
        readFileSync(path.join(SAMPLE, 'gold_coin.png')),
      ),
    ).toBe(true)
    // Changed catalogue: names of 1 and 2 swapped (no unique-key trip), icon 3+ removed, 99 added.
    const dir = folder([d(1, 'gem'), d(2, 'gold_coin'), d(99, 'new_one')])
    const next = loadCatalogue({ dir })
    expect((await cli(['apply', '--url', t.url, '--database', t.name, '--dir', dir])).status).toBe(0)
    await expectRows(t.q, next)
    expect((await cli(['apply', '--url', t.url, '--database', t.name, '--dir', dir])).status).toBe(0)
    await expectRows(t.q, next)
  })

  it('the SQL script gives the same rows as apply', { timeout: 120_000 }, async () => {
    const t = await db()
    await sql(t.url, `CREATE DATABASE \`${t.name}\``)
    const c = loadCatalogue({ dir: SAMPLE })
    const r = await cli(['sql'])
    expect(r.out.join('\n')).toBe(renderCatalogueSql(c, `${DEFAULT_DIR}/icons.json`).trimEnd())
    const conn = await connectTo(t.url, t.name, true)
    await conn.query(r.out.join('\n'))
    await expectRows(t.q, c)
  })

  it('a failed apply rolls back: old rows and hash kept, the connection left outside any transaction', {
    timeout: 120_000,
  }, async () => {
    const t = await db()
    expect((await cli(['apply', '--url', t.url, '--database', t.name])).status).toBe(0)
    const before = loadCatalogue({ dir: SAMPLE })
    // A constraint the next catalogue breaks on its last row, after earlier rows were written.
    await t.q('ALTER TABLE icon ADD CONSTRAINT small_ids CHECK (id < 1000)')
    const dir = folder([d(1, 'renamed'), d(5000, 'too_big')])
    const conn = await connectTo(t.url, t.name)
    const err = await applyCatalogue({ conn, database: t.name, catalogue: loadCatalogue({ dir }) }).catch(
      (e) => e,
    )
    expect(IconsDbFailed.is(err)).toBe(true)
    expect(err.message).toContain(`applying the catalogue to ${t.name} failed`)
    const [[state]] = (await conn.query('SELECT @@in_transaction AS t')) as unknown as [{ t: number }[]]
    expect(state!.t).toBe(0)
    await expectRows(t.q, before)
  })
})
