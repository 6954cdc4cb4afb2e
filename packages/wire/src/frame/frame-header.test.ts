import { describe, expect, it } from 'vitest'
import {
  FIRST_GAME_MSG_ID,
  FrameFlag,
  HEADER_BYTES,
  headerBytes,
  headerFieldsProblem,
  headerProblem,
  isGameMsgId,
  MAX_CONTROL_MSG_ID,
  readU32,
} from './frame-header.js'

describe('frame header', () => {
  it('lays out flags, reserved byte, msgId and reqId big-endian (golden bytes)', () => {
    const h = headerBytes(FrameFlag.RESPONSE | FrameFlag.PRIORITY, 0x01020304, 0xa0b0c0d0)
    expect([...h]).toEqual([0x14, 0x00, 0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0])
    expect(h.length).toBe(HEADER_BYTES)
    expect([readU32(h, 2), readU32(h, 6)]).toEqual([0x01020304, 0xa0b0c0d0])
  })

  it.each([
    ['short frame', [0, 0, 0, 0, 1], /shorter than the header/],
    ['reserved flag bits', [0x20, 0, 0, 0, 0, 1, 0, 0, 0, 0], /reserved flag bits/],
    ['reserved byte 1', [0, 1, 0, 0, 0, 1, 0, 0, 0, 0], /reserved byte 1/],
    ['msgId 0', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], /msgId 0/],
  ])('names the problem of a %s', (_name, bytes, why) => {
    const b = new Uint8Array(bytes as number[])
    expect(headerProblem(b, 0, b.length)).toMatch(why as RegExp)
  })

  it('accepts a valid header at an offset', () => {
    const b = new Uint8Array(14)
    b.set(headerBytes(FrameFlag.ERROR, 7, 9), 4)
    expect(headerProblem(b, 4, 14)).toBeNull()
  })

  it('checks fields before encoding', () => {
    expect(headerFieldsProblem(0x80, 1, 0)).toMatch(/reserved/)
    expect(headerFieldsProblem(0, 0, 0)).toMatch(/msgId/)
    expect(headerFieldsProblem(0, 1, 2 ** 32)).toMatch(/reqId/)
    expect(headerFieldsProblem(FrameFlag.ERROR, 7, 9)).toBeNull()
  })

  it('splits control and game ids at FIRST_GAME_MSG_ID', () => {
    expect([isGameMsgId(MAX_CONTROL_MSG_ID), isGameMsgId(FIRST_GAME_MSG_ID)]).toEqual([false, true])
  })
})
