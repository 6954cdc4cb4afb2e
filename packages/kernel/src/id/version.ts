import { IdBadVersion, IdVersionRange } from './errors.js'

/**
 * Release stage, stored in 6 bits. The codes are spaced out (not 0..3) so a
 * stage can later be inserted between two existing ones (say a release
 * candidate between Preview and Release) without renumbering, which would
 * change every packed version already stored or sent.
 */
export const VersionStage = {
  Alpha: 16,
  Beta: 32,
  Preview: 48,
  Release: 63,
} as const
export type VersionStage = (typeof VersionStage)[keyof typeof VersionStage]

const STAGE_NAMES = new Map<number, string>([
  [VersionStage.Alpha, 'alpha'],
  [VersionStage.Beta, 'beta'],
  [VersionStage.Preview, 'preview'],
])
const STAGE_BY_NAME = new Map<string, VersionStage>([
  ['alpha', VersionStage.Alpha],
  ['beta', VersionStage.Beta],
  ['preview', VersionStage.Preview],
])

export const MAX_VERSION_MAJOR = 0xffff
export const MAX_VERSION_MINOR = 0xffff
export const MAX_VERSION_REVISION = 0x3ff
/** Bytes of a packed version. */
export const VERSION_BYTES = 6

// Canonical text only: no leading zeros, no whitespace, lower-case stage,
// release has no suffix. Parse and format are then exact inverses.
const TEXT = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([a-z]+))?$/

/**
 * A version number major.minor.revision-stage, packed in 6 bytes:
 * major u16, minor u16, then revision (10 bits) << 6 | stage (6 bits),
 * all big-endian, so packed buffers and {@link Version.toNumber} sort like
 * {@link Version.compare}: major, minor, revision, then
 * Alpha < Beta < Preview < Release.
 *
 * Text form: `1.2.3` (a release), `1.2.3-alpha`, `1.2.3-beta`,
 * `1.2.3-preview`. Other suffixes, including `-rc` and `-release`, are
 * rejected with ID_BAD_VERSION rather than mapped to a stage, so every
 * accepted string formats back to itself.
 */
export class Version {
  readonly major: number
  readonly minor: number
  readonly revision: number
  readonly stage: VersionStage

  constructor(major: number, minor: number, revision: number, stage: VersionStage = VersionStage.Release) {
    const text = `${major}.${minor}.${revision}`
    this.major = check(text, 'major', major, MAX_VERSION_MAJOR)
    this.minor = check(text, 'minor', minor, MAX_VERSION_MINOR)
    this.revision = check(text, 'revision', revision, MAX_VERSION_REVISION)
    if (!isStage(stage)) throw new IdBadVersion(text, `unknown stage code ${stage}`)
    this.stage = stage
  }

  /** Parse the text form; ID_BAD_VERSION or ID_VERSION_RANGE naming the input. */
  static parse(text: string): Version {
    if (typeof text !== 'string') throw new IdBadVersion(String(text), 'not a string')
    const m = TEXT.exec(text)
    if (!m) throw new IdBadVersion(text, 'malformed')
    let stage: VersionStage = VersionStage.Release
    if (m[4] !== undefined) {
      const s = STAGE_BY_NAME.get(m[4])
      if (s === undefined) throw new IdBadVersion(text, `unknown stage "${m[4]}"`)
      stage = s
    }
    return new Version(
      parsePart(text, 'major', m[1]!, MAX_VERSION_MAJOR),
      parsePart(text, 'minor', m[2]!, MAX_VERSION_MINOR),
      parsePart(text, 'revision', m[3]!, MAX_VERSION_REVISION),
      stage,
    )
  }

  /** Read 6 packed bytes at `offset`. */
  static fromBuffer(buf: Uint8Array, offset = 0): Version {
    if (offset < 0 || buf.length - offset < VERSION_BYTES) {
      throw new IdBadVersion(`<${buf.length} bytes at ${offset}>`, `need ${VERSION_BYTES} bytes`)
    }
    const major = (buf[offset]! << 8) | buf[offset + 1]!
    const minor = (buf[offset + 2]! << 8) | buf[offset + 3]!
    const low = (buf[offset + 4]! << 8) | buf[offset + 5]!
    return Version.fromParts(`<bytes ${hex(buf, offset)}>`, major, minor, low)
  }

  /** Inverse of {@link Version.toNumber}. */
  static fromNumber(n: number): Version {
    if (!Number.isSafeInteger(n) || n < 0 || n >= 2 ** 48)
      throw new IdBadVersion(String(n), 'not a 48-bit integer')
    const major = Math.floor(n / 2 ** 32)
    const minor = Math.floor(n / 2 ** 16) % 2 ** 16
    return Version.fromParts(String(n), major, minor, n % 2 ** 16)
  }

  private static fromParts(input: string, major: number, minor: number, low: number): Version {
    const stage = low & 0x3f
    if (!isStage(stage)) throw new IdBadVersion(input, `unknown stage code ${stage}`)
    return new Version(major, minor, low >>> 6, stage)
  }

  /** Negative, zero or positive as a sorts before, with or after b. */
  static compare(a: Version, b: Version): number {
    return a.toNumber() - b.toNumber()
  }

  compare(other: Version): number {
    return Version.compare(this, other)
  }

  equals(other: Version): boolean {
    return this.toNumber() === other.toNumber()
  }

  /** 48-bit integer (a safe JS number) ordered like {@link Version.compare}. */
  toNumber(): number {
    return this.major * 2 ** 32 + this.minor * 2 ** 16 + ((this.revision << 6) | this.stage)
  }

  /** The 6 packed bytes, big-endian. */
  toBuffer(): Buffer {
    const buf = Buffer.allocUnsafe(VERSION_BYTES)
    this.writeTo(buf, 0)
    return buf
  }

  /** Write the 6 packed bytes at `offset`; returns the offset after them. */
  writeTo(buf: Uint8Array, offset: number): number {
    if (offset < 0 || buf.length - offset < VERSION_BYTES) {
      throw new RangeError(
        `version needs ${VERSION_BYTES} bytes at offset ${offset} of a ${buf.length}-byte buffer`,
      )
    }
    const low = (this.revision << 6) | this.stage
    buf[offset] = this.major >>> 8
    buf[offset + 1] = this.major & 0xff
    buf[offset + 2] = this.minor >>> 8
    buf[offset + 3] = this.minor & 0xff
    buf[offset + 4] = low >>> 8
    buf[offset + 5] = low & 0xff
    return offset + VERSION_BYTES
  }

  toString(): string {
    const base = `${this.major}.${this.minor}.${this.revision}`
    const name = STAGE_NAMES.get(this.stage)
    return name === undefined ? base : `${base}-${name}`
  }

  toJSON(): string {
    return this.toString()
  }
}

function isStage(code: number): code is VersionStage {
  return code === VersionStage.Release || STAGE_NAMES.has(code)
}

function check(input: string, field: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new IdVersionRange(input, `${field} ${v}`, max)
  return v
}

function parsePart(input: string, field: string, digits: string, max: number): number {
  // Length first so a 400-digit field is a range error, not Infinity.
  const v = digits.length > 6 ? Number.POSITIVE_INFINITY : Number(digits)
  if (v > max) throw new IdVersionRange(JSON.stringify(input), `${field} ${digits}`, max)
  return v
}

function hex(buf: Uint8Array, offset: number): string {
  return Buffer.from(buf.subarray(offset, offset + VERSION_BYTES)).toString('hex')
}
