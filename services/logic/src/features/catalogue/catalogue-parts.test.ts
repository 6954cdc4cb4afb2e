import type { CatalogueIcon } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { CatalogueTooLarge } from './catalogue-errors.js'
import { catalogueParts, iconBytes } from './catalogue-parts.js'

const icon = (id: number, bytes: number): CatalogueIcon => ({
  id,
  name: `i${id}`,
  description: 'd',
  width: 1,
  height: 1,
  png: new Uint8Array(bytes),
})

describe('catalogueParts', () => {
  it('splits into parts of about partBytes, icons whole and in order, each part naming hash and count', () => {
    const icons = [icon(1, 400), icon(2, 400), icon(3, 400), icon(4, 2000), icon(5, 10)]
    const parts = catalogueParts({ hash: 'h', icons }, 1000, 1 << 20)
    expect(parts.map((p) => p.icons.map((i) => i.id))).toEqual([[1, 2], [3], [4], [5]])
    expect(parts.map((p) => [p.hash, p.part, p.parts])).toEqual([
      ['h', 0, 4],
      ['h', 1, 4],
      ['h', 2, 4],
      ['h', 3, 4],
    ])
  })

  it('gives an empty catalogue one empty part (the client learns the hash)', () => {
    expect(catalogueParts({ hash: 'e', icons: [] }, 1000, 1000)).toEqual([
      { hash: 'e', part: 0, parts: 1, icons: [] },
    ])
  })

  it('refuses a catalogue over maxBytes (CATALOGUE_TOO_LARGE) instead of overflowing replay buffers', () => {
    const icons = [icon(1, 600), icon(2, 600)]
    const total = icons.reduce((n, i) => n + iconBytes(i), 0)
    expect(() => catalogueParts({ hash: 'big', icons }, 1000, total - 1)).toThrow(CatalogueTooLarge)
    expect(catalogueParts({ hash: 'big', icons }, 1000, total)).toHaveLength(2)
  })
})
