import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { TesseraError } from '@tessera/kernel'
import { z } from 'zod'
import { catalogueHash } from './catalogue-hash.js'
import {
  IconsBadDescription,
  IconsDuplicateId,
  IconsDuplicateName,
  IconsInvalid,
  IconsMemberClash,
  IconsMissingFile,
  IconsTooLarge,
  IconsUndescribedFile,
} from './errors.js'
import { readPngInfo } from './png-info.js'

/** Lower snake case: stable in the database, and maps to one PascalCase enum member. */
const NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/
export const DESCRIPTION_FILE = 'icons.json'
/** Icon ids are positive; 0 stays free to mean "no icon" (a proto field's default). */
export const MAX_ICON_ID = 0x7fffffff

const descriptionSchema = z.strictObject({
  icons: z
    .array(
      z.strictObject({
        id: z.number().int().min(1).max(MAX_ICON_ID),
        name: z.string().max(64).regex(NAME, 'must be lower_snake_case (a-z, 0-9, single underscores)'),
        description: z.string().trim().min(1).max(1000),
        /** PNG file in the folder; default `<name>.png`. */
        file: z
          .string()
          .regex(/^[^/\\]+\.png$/i, 'must be a .png file name in the folder, without a path')
          .optional(),
      }),
    )
    .max(10_000),
})

export interface IconLimits {
  maxWidth: number
  maxHeight: number
  /** Bytes of one PNG file. */
  maxBytes: number
}

export const DEFAULT_LIMITS: IconLimits = { maxWidth: 128, maxHeight: 128, maxBytes: 64 * 1024 }

export interface IconEntry {
  id: number
  name: string
  /** The enum member: `gold_coin` → `GoldCoin`. */
  member: string
  description: string
  /** Absolute path of the PNG. */
  file: string
  png: Buffer
  width: number
  height: number
}

export interface Catalogue {
  /** The description file. */
  source: string
  /** Sorted by id. */
  icons: IconEntry[]
  /** See {@link catalogueHash}. */
  hash: string
}

export interface LoadOptions {
  /** Folder of PNG files. */
  dir: string
  /** Description file (default `<dir>/icons.json`). */
  description?: string
  limits?: Partial<IconLimits>
  onProgress?: (done: number, total: number) => void
}

export const memberName = (name: string): string =>
  name
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')

/**
 * Read and check a catalogue. Every problem found is collected (duplicate
 * ids and names, missing, undescribed, non-PNG and oversize files, a bad
 * description file), each naming its file, and thrown together as
 * ICONS_INVALID with the individual errors in `details.problems`.
 */
export function loadCatalogue(opts: LoadOptions): Catalogue {
  const dir = path.resolve(opts.dir)
  const source = path.resolve(opts.description ?? path.join(dir, DESCRIPTION_FILE))
  const limits = { ...DEFAULT_LIMITS, ...opts.limits }
  const problems: TesseraError[] = []
  const desc = readDescription(source)
  const icons: IconEntry[] = []
  const byId = new Map<number, string>()
  const byName = new Map<string, number>()
  const byMember = new Map<string, string>()
  const described = new Set<string>()
  let done = 0
  for (const d of desc.icons) {
    opts.onProgress?.(done++, desc.icons.length)
    const clash = byId.get(d.id)
    if (clash !== undefined) problems.push(new IconsDuplicateId(source, d.id, clash, d.name))
    else byId.set(d.id, d.name)
    const sameName = byName.get(d.name)
    if (sameName !== undefined) problems.push(new IconsDuplicateName(source, d.name, sameName, d.id))
    else byName.set(d.name, d.id)
    const member = memberName(d.name)
    const sameMember = byMember.get(member)
    if (sameMember !== undefined && sameMember !== d.name)
      problems.push(new IconsMemberClash(source, sameMember, d.name, member))
    else byMember.set(member, d.name)
    const file = path.join(dir, d.file ?? `${d.name}.png`)
    described.add(path.basename(file))
    try {
      icons.push({
        ...readIcon(file, d.name, limits),
        id: d.id,
        name: d.name,
        member,
        description: d.description,
      })
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err
      problems.push(err)
    }
  }
  opts.onProgress?.(done, desc.icons.length)
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (/\.png$/i.test(f) && !described.has(f))
      problems.push(new IconsUndescribedFile(path.join(dir, f), source))
  }
  if (problems.length) {
    throw IconsInvalid.with(
      { details: { problems } },
      source,
      problems.length,
      problems.map((p) => `  - ${p.code}: ${p.message}`).join('\n'),
    )
  }
  icons.sort((a, b) => a.id - b.id)
  return { source, icons, hash: catalogueHash(icons) }
}

function readDescription(source: string): z.output<typeof descriptionSchema> {
  let text: string
  try {
    text = readFileSync(source, 'utf8')
  } catch (err) {
    throw IconsBadDescription.with({ cause: err }, source, (err as Error).message)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw IconsBadDescription.with({ cause: err }, source, `not JSON: ${(err as Error).message}`)
  }
  const parsed = descriptionSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const where = i.path.length
        ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
        : '(root)'
      const extra = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : ''
      return `${where.replace(/^\./, '')}: ${i.message}${extra}`
    })
    throw IconsBadDescription.with({ details: { issues: parsed.error.issues } }, source, issues.join('; '))
  }
  return parsed.data
}

function readIcon(file: string, name: string, limits: IconLimits) {
  let size: number
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch {
    throw new IconsMissingFile(file, name)
  }
  // Size first, so an oversize file is refused before it is read.
  if (size > limits.maxBytes) throw new IconsTooLarge(file, `${size} bytes > max ${limits.maxBytes}`)
  const png = readFileSync(file)
  const info = readPngInfo(png, file)
  if (info.width > limits.maxWidth || info.height > limits.maxHeight)
    throw new IconsTooLarge(file, `${info.width}x${info.height} > max ${limits.maxWidth}x${limits.maxHeight}`)
  return { file, png, width: info.width, height: info.height }
}
