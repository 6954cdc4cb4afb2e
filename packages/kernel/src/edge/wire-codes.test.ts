import { KickReason, WireError } from '@tessera/wire'
import { describe, expect, it } from 'vitest'
import { CodecBadBody } from '../codec/index.js'
import { defineError, TesseraError, toTesseraError } from '../errors/index.js'
import { NetRateLimited, NetSocketError } from '../net/index.js'
import { EdgeOverloaded, EdgeResumeRefused } from './errors.js'
import { isInternalError, kickMessage, kickReasonFor, toErrorReply } from './wire-codes.js'

const Hidden = defineError<[string]>('WIRETEST_HIDDEN', 'db said %s')
const Shown = defineError<[string]>('WIRETEST_SHOWN', 'cannot do %s', { client: true })
const internal = { code: WireError.WIRE_INTERNAL, name: 'WIRE_INTERNAL', message: 'internal error' }

describe('toErrorReply (the error policy)', () => {
  it('hides anything not defined for clients behind WIRE_INTERNAL', () => {
    for (const err of [
      new Error('secret'),
      'secret',
      toTesseraError(new Error('secret')),
      new Hidden('secret'),
      new NetSocketError('secret'),
      new TesseraError('NEVER_DEFINED', 'secret'),
    ]) {
      expect(toErrorReply(err)).toEqual(internal)
      expect(isInternalError(err)).toBe(true)
    }
  })

  it('maps client-visible platform codes to their WireError, message kept', () => {
    expect(toErrorReply(new EdgeResumeRefused('gone'))).toEqual({
      code: WireError.WIRE_RESUME_REFUSED,
      name: 'WIRE_RESUME_REFUSED',
      message: 'resume refused: gone',
    })
    expect(toErrorReply(new CodecBadBody('game.Echo', 1000, 'truncated')).code).toBe(WireError.WIRE_BAD_BODY)
    expect(toErrorReply(new EdgeOverloaded('this gateway'))).toEqual({
      code: WireError.WIRE_OVERLOADED,
      name: 'WIRE_OVERLOADED',
      message: 'this gateway is over its memory threshold and takes no new sessions; log in again later',
    })
  })

  it('passes other client-visible codes through as WIRE_REJECTED named by their code', () => {
    expect(toErrorReply(new Shown('that'))).toEqual({
      code: WireError.WIRE_REJECTED,
      name: 'WIRETEST_SHOWN',
      message: 'cannot do that',
    })
  })

  it('kicks with the same rule for the message', () => {
    expect(kickMessage(new NetRateLimited(50))).toBe('message rate above 50/s')
    expect(kickMessage(new Hidden('secret'))).toBe('internal error')
    expect(kickReasonFor(NetRateLimited.code)).toBe(KickReason.KICK_FLOOD)
    expect(kickReasonFor(Hidden.code)).toBe(KickReason.KICK_ADMIN)
  })
})
