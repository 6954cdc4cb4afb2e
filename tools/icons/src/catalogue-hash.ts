import { createHash } from 'node:crypto'

/** Domain tag, so this hash never equals a hash of anything else. */
export const CATALOGUE_HASH_TAG = 'tessera-icons/2\n'

/**
 * SHA-256 (hex) of what clients receive (logic's CatalogueUpdate), icons in
 * id order: the tag, then per icon u32be id, u32be byte length + UTF-8 name,
 * u32be byte length + UTF-8 description, u32be byte length + PNG bytes.
 * Width and height follow from the PNG. Anything holding the rows (logic
 * reading the database) recomputes it, so a client holding this hash holds
 * exactly the current catalogue, descriptions included.
 */
export function catalogueHash(
  icons: readonly { id: number; name: string; description: string; png: Uint8Array }[],
): string {
  const h = createHash('sha256').update(CATALOGUE_HASH_TAG)
  const u32 = Buffer.alloc(4)
  const put = (n: number) => {
    u32.writeUInt32BE(n)
    h.update(u32)
  }
  for (const i of [...icons].sort((a, b) => a.id - b.id)) {
    const name = Buffer.from(i.name, 'utf8')
    const description = Buffer.from(i.description, 'utf8')
    put(i.id)
    put(name.length)
    h.update(name)
    put(description.length)
    h.update(description)
    put(i.png.length)
    h.update(i.png)
  }
  return h.digest('hex')
}
