import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameFlag } from './frame.js'

describe('client frame header', () => {
  it('lays out flags, reserved byte, msgId and reqId big-endian', () => {
    const f = encodeFrame(
      FrameFlag.RESPONSE | FrameFlag.ENCRYPTED,
      0x01020304,
      0xa0b0c0d0,
      new Uint8Array([9]),
    )
    expect([...f]).toEqual([0x06, 0, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0, 9])
    expect(decodeFrame(f)).toEqual({
      flags: 6,
      msgId: 0x01020304,
      reqId: 0xa0b0c0d0,
      body: new Uint8Array([9]),
    })
  })

  it('refuses short frames, reserved bits and msgId 0', () => {
    expect(decodeFrame(new Uint8Array(9))).toBeNull()
    expect(decodeFrame(encodeFrame(0x20, 1, 0, new Uint8Array(0)))).toBeNull()
    const r = encodeFrame(0, 1, 0, new Uint8Array(0))
    r[1] = 1
    expect(decodeFrame(r)).toBeNull()
    expect(decodeFrame(new Uint8Array(10))).toBeNull()
  })
})
