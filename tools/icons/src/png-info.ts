import { crc32 } from 'node:zlib'
import { IconsNotPng } from './errors.js'

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export interface PngInfo {
  width: number
  height: number
  bitDepth: number
  colorType: number
}

/** Bit depths each PNG colour type allows (PNG spec, table 11.1). */
const DEPTHS = new Map<number, number[]>([
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
])

/**
 * Header of a PNG file, after checking its structure: the signature, IHDR
 * first with valid fields, every chunk's length and CRC, and IEND last with
 * nothing after it. Pixels are not decoded; a file that passes is what an
 * image decoder will accept as a PNG, not a renamed JPEG or a truncated copy.
 */
export function readPngInfo(buf: Buffer, file: string): PngInfo {
  const bad = (why: string) => new IconsNotPng(file, why)
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw bad('no PNG signature')
  let off = 8
  let info: PngInfo | undefined
  let chunks = 0
  for (;;) {
    if (buf.length - off < 12) throw bad(`truncated at byte ${off} (no IEND chunk)`)
    const len = buf.readUInt32BE(off)
    const type = buf.toString('latin1', off + 4, off + 8)
    if (!/^[A-Za-z]{4}$/.test(type)) throw bad(`bad chunk type at byte ${off + 4}`)
    if (len > 0x7fffffff || buf.length - off - 12 < len)
      throw bad(`chunk ${type} at byte ${off} runs past the end`)
    const crc = buf.readUInt32BE(off + 8 + len)
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== crc)
      throw bad(`chunk ${type} at byte ${off} has a bad CRC`)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (chunks++ === 0) {
      if (type !== 'IHDR') throw bad(`first chunk is ${type}, not IHDR`)
      info = ihdr(data, bad)
    } else if (type === 'IHDR') throw bad('second IHDR chunk')
    off += 12 + len
    if (type === 'IEND') break
  }
  if (off !== buf.length) throw bad(`${buf.length - off} bytes after IEND`)
  return info!
}

function ihdr(d: Buffer, bad: (why: string) => Error): PngInfo {
  if (d.length !== 13) throw bad(`IHDR is ${d.length} bytes, not 13`)
  const width = d.readUInt32BE(0)
  const height = d.readUInt32BE(4)
  const bitDepth = d[8]!
  const colorType = d[9]!
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
    throw bad(`bad dimensions ${width}x${height}`)
  const depths = DEPTHS.get(colorType)
  if (!depths) throw bad(`bad colour type ${colorType}`)
  if (!depths.includes(bitDepth))
    throw bad(`bit depth ${bitDepth} is not allowed for colour type ${colorType}`)
  if (d[10] !== 0 || d[11] !== 0) throw bad('unknown compression or filter method')
  if (d[12]! > 1) throw bad(`unknown interlace method ${d[12]}`)
  return { width, height, bitDepth, colorType }
}
