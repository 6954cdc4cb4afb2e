import { ErrorReply, Heartbeat, Kick } from '@tessera/wire'
import { isClientVisible, TesseraError } from '../errors/index.js'
import type { ControlCodec } from '../net/index.js'
import { INTERNAL_MESSAGE, kickReasonFor, toErrorReply } from './wire-codes.js'

/**
 * The net layer's ControlCodec over the generated control messages: what
 * the edge's NetServer is built with, so heartbeats, kicks and the error
 * replies the net layer sends itself are the protocol's Kick and ErrorReply.
 */
export const edgeControlCodec: ControlCodec = {
  heartbeatId: Heartbeat.msgId,
  kickId: Kick.msgId,
  encodeKick: (code, message) =>
    Kick.encode({ reason: kickReasonFor(code), message: isClientVisible(code) ? message : INTERNAL_MESSAGE }),
  encodeError: (code, message) => ErrorReply.encode(toErrorReply(new TesseraError(code, message))),
}
