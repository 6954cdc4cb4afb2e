import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkHeader, decodeFrame, encodeFrame, FrameFlag, HEADER_BYTES } from './frame-header.js'

describe('frame header', () => {
  it('lays out flags, reserved byte, msgId and reqId big-endian (golden bytes)', () => {
    const f = encodeFrame(
      0,
      FrameFlag.RESPONSE | FrameFlag.PRIORITY,
      0x01020304,
      0xa0b0c0d0,
      Buffer.from([0xee]),
    )
    expect([...f]).toEqual([0x14, 0x00, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0, 0xee])
  })

  it('leaves the stack prefix untouched and decodes what it encodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x1f }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 64 }),
        (flags, msgId, reqId, body) => {
          const f = encodeFrame(4, flags, msgId, reqId, body)
          expect(f.length).toBe(4 + HEADER_BYTES + body.length)
          const d = decodeFrame(f.subarray(4))
          expect([d.flags, d.msgId, d.reqId]).toEqual([flags, msgId, reqId])
          expect(Buffer.from(d.body)).toEqual(Buffer.from(body))
        },
      ),
      { numRuns: 300 },
    )
  })

  it.each([
    ['reserved flag bits', [0x20, 0, 0, 0, 0, 1, 0, 0, 0, 0]],
    ['reserved byte 1', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0]],
    ['msgId 0', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['short frame', [0, 0, 0, 0, 1]],
  ])('refuses %s with NET_BAD_HEADER', (_name, bytes) => {
    expect(() => decodeFrame(Buffer.from(bytes))).toThrow(expect.objectContaining({ code: 'NET_BAD_HEADER' }))
  })

  it('never throws anything but NET_BAD_HEADER on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        try {
          decodeFrame(Buffer.from(bytes))
        } catch (e) {
          expect((e as { code?: string }).code).toBe('NET_BAD_HEADER')
        }
      }),
      { numRuns: 500 },
    )
  })

  it('checks fields before encoding', () => {
    expect(() => checkHeader(0x80, 1, 0)).toThrow(/reserved/)
    expect(() => checkHeader(0, 0, 0)).toThrow(/msgId/)
    expect(() => checkHeader(0, 1, 2 ** 32)).toThrow(/reqId/)
    expect(() => checkHeader(FrameFlag.ERROR, 7, 9)).not.toThrow()
  })
})
