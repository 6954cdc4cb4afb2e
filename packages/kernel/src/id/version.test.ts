import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdBadVersion, IdVersionRange } from './errors.js'
import { Version, VersionStage } from './version.js'

const stages = [VersionStage.Alpha, VersionStage.Beta, VersionStage.Preview, VersionStage.Release] as const
const arbVersion = fc
  .record({
    major: fc.integer({ min: 0, max: 0xffff }),
    minor: fc.integer({ min: 0, max: 0xffff }),
    revision: fc.integer({ min: 0, max: 1023 }),
    stage: fc.constantFrom(...stages),
  })
  .map((p) => new Version(p.major, p.minor, p.revision, p.stage))

/** Reference order: fields in turn, then stage rank (independent of the stage codes). */
function tupleCompare(a: Version, b: Version): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.revision - b.revision ||
    stages.indexOf(a.stage) - stages.indexOf(b.stage)
  )
}

describe('Version', () => {
  it('parses and formats the documented forms', () => {
    expect(Version.parse('1.2.3')).toMatchObject({
      major: 1,
      minor: 2,
      revision: 3,
      stage: VersionStage.Release,
    })
    expect(Version.parse('1.2.3-alpha').stage).toBe(VersionStage.Alpha)
    expect(Version.parse('1.2.3-beta').stage).toBe(VersionStage.Beta)
    expect(Version.parse('0.0.0-preview').stage).toBe(VersionStage.Preview)
    expect(Version.parse('65535.65535.1023').toString()).toBe('65535.65535.1023')
    expect(new Version(1, 2, 3, VersionStage.Beta).toString()).toBe('1.2.3-beta')
    expect(JSON.stringify({ v: new Version(4, 5, 6) })).toBe('{"v":"4.5.6"}')
  })

  it('packs big-endian: major u16, minor u16, revision << 6 | stage', () => {
    const v = new Version(0x0102, 0x0304, 0x3ff, VersionStage.Preview)
    expect(v.toBuffer().toString('hex')).toBe('01020304fff0')
    expect(new Version(1, 0, 1, VersionStage.Alpha).toBuffer().toString('hex')).toBe('000100000050')
    expect(v.toNumber()).toBe(0x01020304fff0)
    const buf = Buffer.alloc(10)
    expect(v.writeTo(buf, 2)).toBe(8)
    expect(Version.fromBuffer(buf, 2).equals(v)).toBe(true)
  })

  it('rejects garbage with ID_BAD_VERSION naming the input', () => {
    const bad = [
      '',
      '1',
      '1.2',
      '1.2.3.4',
      'v1.2.3',
      '1.2.3-',
      '1.2.3-rc',
      '1.2.3-release',
      '1.2.3-Beta',
      '01.2.3',
      '1.2.3 ',
      ' 1.2.3',
      '1..3',
      '-1.2.3',
      '1.2.3-beta.1',
      'a.b.c',
      '1.2.3+build',
    ]
    for (const text of bad) {
      const err = (() => {
        try {
          Version.parse(text)
        } catch (e) {
          return e
        }
      })()
      expect(IdBadVersion.is(err), text).toBe(true)
      expect((err as Error).message).toContain(JSON.stringify(text))
    }
  })

  it('range-checks every field with ID_VERSION_RANGE', () => {
    expect(() => Version.parse('65536.0.0')).toThrow(/major 65536 out of range 0\.\.65535/)
    expect(() => Version.parse('0.65536.0')).toThrow(IdVersionRange)
    expect(() => Version.parse('0.0.1024-beta')).toThrow(
      /"0\.0\.1024-beta" revision 1024 out of range 0\.\.1023/,
    )
    expect(() => Version.parse(`1.${'9'.repeat(400)}.0`)).toThrow(IdVersionRange)
    expect(() => new Version(-1, 0, 0)).toThrow(IdVersionRange)
    expect(() => new Version(0, 0.5, 0)).toThrow(IdVersionRange)
    expect(() => new Version(0, 0, 0, 5 as VersionStage)).toThrow(/unknown stage code 5/)
  })

  it('rejects bad packed forms', () => {
    expect(() => Version.fromBuffer(Buffer.alloc(5))).toThrow(IdBadVersion)
    expect(() => Version.fromBuffer(Buffer.from('000100000001', 'hex'))).toThrow(/unknown stage code 1/)
    expect(() => Version.fromNumber(2 ** 48)).toThrow(IdBadVersion)
    expect(() => Version.fromNumber(-1)).toThrow(IdBadVersion)
    expect(() => new Version(1, 2, 3).writeTo(Buffer.alloc(6), 1)).toThrow(RangeError)
  })

  it('round-trips text, bytes and numbers (property)', () => {
    fc.assert(
      fc.property(arbVersion, (v) => {
        const text = v.toString()
        expect(Version.parse(text).toString()).toBe(text)
        expect(Version.parse(text).equals(v)).toBe(true)
        expect(Version.fromBuffer(v.toBuffer()).equals(v)).toBe(true)
        expect(Version.fromNumber(v.toNumber()).equals(v)).toBe(true)
        expect(Number.isSafeInteger(v.toNumber())).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('orders by major, minor, revision, then Alpha < Beta < Preview < Release, in every form (property)', () => {
    fc.assert(
      fc.property(arbVersion, arbVersion, (a, b) => {
        const want = Math.sign(tupleCompare(a, b))
        expect(Math.sign(a.compare(b))).toBe(want)
        expect(Math.sign(Version.compare(b, a))).toBe(-want)
        expect(Math.sign(a.toNumber() - b.toNumber())).toBe(want)
        expect(Buffer.compare(a.toBuffer(), b.toBuffer())).toBe(want)
        expect(a.equals(b)).toBe(want === 0)
      }),
      { numRuns: 5000 },
    )
    expect(Version.parse('1.2.3-alpha').compare(Version.parse('1.2.3-beta'))).toBeLessThan(0)
    expect(Version.parse('1.2.3-preview').compare(Version.parse('1.2.3'))).toBeLessThan(0)
    expect(Version.parse('1.2.3').compare(Version.parse('1.2.4-alpha'))).toBeLessThan(0)
    expect(Version.parse('1.10.0').compare(Version.parse('1.9.1023'))).toBeGreaterThan(0)
  })
})
