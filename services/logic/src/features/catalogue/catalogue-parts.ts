import type { CatalogueUpdate } from '@tessera/protocol'
import { CatalogueTooLarge } from './catalogue-errors.js'
import type { CatalogueSnapshot } from './catalogue-rows.js'

/** Bytes an icon adds to a part (PNG, texts, field overhead). */
export const iconBytes = (i: CatalogueSnapshot['icons'][number]): number =>
  i.png.length + Buffer.byteLength(i.name) + Buffer.byteLength(i.description) + 32

/**
 * Split a catalogue into CatalogueUpdate parts of about `partBytes` each (an
 * icon is never split; one larger than `partBytes` gets a part alone). Every
 * part is queued in the player's replay buffer until the client
 * acknowledges it, so a catalogue over `maxBytes` is refused
 * (CATALOGUE_TOO_LARGE) rather than ending sessions as slow consumers.
 */
export function catalogueParts(c: CatalogueSnapshot, partBytes: number, maxBytes: number): CatalogueUpdate[] {
  let total = 0
  for (const i of c.icons) total += iconBytes(i)
  if (total > maxBytes) throw new CatalogueTooLarge(c.hash, total, maxBytes)
  const groups: CatalogueSnapshot['icons'][] = [[]]
  let bytes = 0
  for (const i of c.icons) {
    const n = iconBytes(i)
    if (bytes > 0 && bytes + n > partBytes) {
      groups.push([])
      bytes = 0
    }
    groups.at(-1)!.push(i)
    bytes += n
  }
  return groups.map((icons, part) => ({ hash: c.hash, part, parts: groups.length, icons }))
}
