import fc from 'fast-check'
import pb from 'protobufjs/minimal.js'
import { describe, expect, it } from 'vitest'
import {
  newReader,
  newWriter,
  ProtoWireError,
  readBytes,
  readInt64,
  readSfixed64,
  readSint64,
  readUint64,
  Writer,
  writeInt64,
  writeSfixed64,
  writeSint64,
  writeUint64,
} from './wire.js'

// protobufjs's Writer/Reader are the oracle: ours must produce and accept
// the same bytes, including the edges our fast paths special-case.

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
/** protobufjs's plain (non-Buffer) writer: the browser code path, for the UTF-8 rules. */
const oracle = () => new pb.Writer()

describe('wire Writer', () => {
  it('writes 32-bit scalars as protobufjs does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double(), fc.boolean(), (i, d, b) => {
        const w = newWriter()
        w.uint32(i).int32(i).sint32(i).fixed32(i).sfixed32(i).float(d).double(d).bool(b)
        const o = oracle().uint32(i).int32(i).sint32(i).fixed32(i).sfixed32(i).float(d).double(d).bool(b)
        expect(hex(w.finish())).toBe(hex(o.finish()))
      }),
    )
  })

  it('writes strings of every length and plane, lone surrogates as U+FFFD', () => {
    const strings = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 400 }),
    )
    fc.assert(
      fc.property(strings, (s) => {
        const w = newWriter()
        w.string(s)
        const expected = Buffer.from(s, 'utf8') // well-formed UTF-8: lone surrogates become EF BF BD
        const o = oracle().uint32(expected.length).bytes(new Uint8Array(0)).finish().subarray(0, -1)
        expect(hex(w.finish())).toBe(hex(o) + hex(expected))
      }),
    )
    const w = newWriter()
    w.string('a\ud800b\udc00')
    expect(hex(w.finish())).toBe('0861efbfbd62efbfbd')
  })

  it('closes forks of any size, nested, shifting bodies of 128+ bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 4 }), (sizes) => {
        const w = newWriter()
        const o = oracle()
        for (const n of sizes) {
          w.uint32(10).fork()
          o.uint32(10).fork()
          w.bytes(new Uint8Array(n).fill(n & 255))
          o.bytes(new Uint8Array(n).fill(n & 255))
        }
        for (let i = 0; i < sizes.length; i++) {
          w.ldelim()
          o.ldelim()
        }
        expect(hex(w.finish())).toBe(hex(o.finish()))
      }),
      { numRuns: 60 },
    )
  })

  it('writes 64-bit values as bigint exactly, on both sides of 2^53', () => {
    const big = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.bigInt({ min: -(2n ** 53n) - 2n, max: 2n ** 53n + 2n }),
      fc.constantFrom(0n, -1n, 1n, -(2n ** 32n), 2n ** 32n, -(2n ** 63n), 2n ** 63n - 1n),
    )
    fc.assert(
      fc.property(big, (v) => {
        const w = newWriter()
        writeInt64(w, v)
        writeSint64(w, v)
        writeSfixed64(w, v)
        writeUint64(w, BigInt.asUintN(64, v))
        const r = newReader(w.finish())
        expect(readInt64(r)).toBe(v)
        expect(readSint64(r)).toBe(v)
        expect(readSfixed64(r)).toBe(v)
        expect(readUint64(r)).toBe(BigInt.asUintN(64, v))
        expect(r.pos).toBe(r.len)
      }),
    )
  })

  it('is reused only after finish(): an encode that throws leaves no shared state behind', () => {
    const a = newWriter()
    a.uint32(1).fork()
    // `a` was never finished (say its encode threw): the next writer is a different one.
    const b = newWriter()
    expect(b).not.toBe(a)
    expect(hex(b.uint32(2).finish())).toBe('02')
    // Finished: handed out again, reset.
    const c = newWriter()
    expect(c).toBe(b)
    expect(hex(c.uint32(3).finish())).toBe('03')
    expect(() => new Writer().ldelim()).toThrow()
  })

  it('release() hands the writer back without a copy; the next encode starts empty', () => {
    const a = newWriter()
    a.uint32(300).string('x')
    expect(hex(a.buf.subarray(0, a.pos))).toBe('ac020178')
    a.release()
    const b = newWriter()
    expect(b).toBe(a)
    expect(b.pos).toBe(0)
    expect(hex(b.uint32(1).finish())).toBe('01')
  })
})

describe('wire Reader', () => {
  it('reads what protobufjs writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.double(),
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.uint8Array({ maxLength: 300 }),
        (i, d, s, bytes) => {
          const o = oracle()
            .uint32(i)
            .int32(i)
            .sint32(i)
            .fixed32(i)
            .sfixed32(i)
            .double(d)
            .string(s)
            .bytes(bytes)
          const r = newReader(o.finish())
          expect(r.uint32()).toBe(i >>> 0)
          expect(r.int32()).toBe(i)
          expect(r.sint32()).toBe(i)
          expect(r.fixed32()).toBe(i >>> 0)
          expect(r.sfixed32()).toBe(i)
          expect(Object.is(r.double(), d)).toBe(true)
          expect(r.string()).toBe(Buffer.from(s, 'utf8').toString('utf8'))
          const got = readBytes(r)
          expect(hex(got)).toBe(hex(bytes))
          expect(r.pos).toBe(r.len)
        },
      ),
    )
  })

  it('decodes malformed UTF-8 exactly as TextDecoder does', () => {
    const decoder = new TextDecoder()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (raw) => {
        const w = new Writer()
        w.bytes(raw)
        expect(newReader(w.finish()).string()).toBe(decoder.decode(raw))
      }),
      { numRuns: 500 },
    )
  })

  it('copies bytes out: the result never aliases the input, and is a plain Uint8Array', () => {
    for (const n of [0, 5, 16, 17, 64, 65, 500, 5000]) {
      const w = new Writer()
      w.bytes(new Uint8Array(n).fill(9))
      const plain = w.finish()
      // The same bytes as a Node Buffer and as a plain array: both copy paths.
      for (const input of [plain, Buffer.from(plain)]) {
        const got = readBytes(newReader(input))
        expect(got.constructor).toBe(Uint8Array)
        input.fill(1)
        expect(got.length).toBe(n)
        expect(got.every((b) => b === 9)).toBe(true)
      }
    }
  })

  it('reads a range of a larger buffer: starts at its start, stops at its end', () => {
    const w = new Writer()
    w.uint32(150).string('abc')
    const body = w.finish()
    const buf = new Uint8Array([0xff, 0xff, ...body, 0x05, 0x61])
    const r = newReader(buf, 2, 2 + body.length)
    expect(r.uint32()).toBe(150)
    expect(r.string()).toBe('abc')
    expect(r.pos).toBe(r.len)
    // A length that fits the buffer but not the range is truncation.
    expect(() => newReader(buf, 2 + body.length - 1, 2 + body.length).string()).toThrow(ProtoWireError)
  })

  it('throws ProtoWireError on truncated input, never reads past the end', () => {
    const cases = [
      [0x80], // varint cut short
      [0x05, 0x61], // length 5, one byte
      [0xff, 0xff, 0xff, 0xff, 0x7f], // length past 2^31
      [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // 11-byte varint
    ]
    for (const c of cases) {
      const bytes = new Uint8Array(c)
      expect(() => newReader(bytes).bytes(), hex(bytes)).toThrow(ProtoWireError)
      expect(() => newReader(bytes).string(), hex(bytes)).toThrow(ProtoWireError)
    }
    expect(() => newReader(new Uint8Array([1, 2, 3])).double()).toThrow(ProtoWireError)
    expect(() => newReader(new Uint8Array([1, 2, 3])).fixed32()).toThrow(ProtoWireError)
    expect(() => newReader(new Uint8Array([0x80])).bool()).toThrow(ProtoWireError)
    // A view into a larger buffer: bounds are the view's, not the buffer's.
    const big = new Uint8Array([0x03, 0x61, 0x62, 0x63, 0x64])
    expect(() => newReader(big.subarray(0, 3)).string()).toThrow(ProtoWireError)
  })
})
