import type { MessageCodec, SessionCipher } from '@tessera/kernel'
import { FrameFlag, SendPolicy, type Session } from '@tessera/kernel'
import type { ToClient } from '@tessera/protocol'

/**
 * One client connection at the gateway (kept in `Session.data`). The
 * sequenced state of the player's session is not here but on its logic;
 * this is the transport side: keys, compression, and where to forward.
 */
export interface GatewayConn {
  phase: 'handshake' | 'binding' | 'open' | 'closed'
  userId: bigint
  /** The account's login epoch (login's SessionKick ends sessions older than its epoch). */
  loginEpoch: bigint
  /** Ownership epoch of this connection's binding (0 until claimed). */
  epoch: bigint
  logicId: number
  sessionId: string
  cipher: SessionCipher | null
  compress: boolean
  /** Client frames (header + plain body) waiting for this turn's ClientFrames. */
  pending: Uint8Array[]
  /** ToClient frames that arrived while the handshake was still finishing. */
  early: ToClient[]
}

export function newConn(): GatewayConn {
  return {
    phase: 'handshake',
    userId: 0n,
    loginEpoch: 0n,
    epoch: 0n,
    logicId: 0,
    sessionId: '',
    cipher: null,
    compress: false,
    pending: [],
    early: [],
  }
}

/**
 * Write one logic frame to the client: game frames are compressed and
 * sealed with this connection's keys (the body itself is never decoded),
 * control frames (Ack, Kick) go as they are. `msgId` 0 carries no frame.
 */
export function writeToClient(
  net: Session,
  c: GatewayConn,
  m: ToClient,
  codecs: [MessageCodec, MessageCodec],
): void {
  if (m.msgId >= 1000) {
    const enc = codecs[c.compress ? 1 : 0].seal(m.msgId, m.reqId, m.flags, m.body, c.cipher ?? undefined)
    net.send(enc.flags, m.msgId, m.reqId, enc.body, SendPolicy.KEEP)
  } else if (m.msgId !== 0) net.send(m.flags | FrameFlag.PRIORITY, m.msgId, m.reqId, m.body)
}

/** The 10-byte header of a forwarded frame: transforms cleared, byte 1 = `mark`. */
export function forwardedFrame(
  flags: number,
  mark: number,
  msgId: number,
  reqId: number,
  body: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(10 + body.length)
  out[0] = flags & ~(FrameFlag.COMPRESSED | FrameFlag.ENCRYPTED)
  out[1] = mark
  out[2] = msgId >>> 24
  out[3] = (msgId >>> 16) & 0xff
  out[4] = (msgId >>> 8) & 0xff
  out[5] = msgId & 0xff
  out[6] = reqId >>> 24
  out[7] = (reqId >>> 16) & 0xff
  out[8] = (reqId >>> 8) & 0xff
  out[9] = reqId & 0xff
  out.set(body, 10)
  return out
}
