import type { BodyRegistry, BodyType } from '../codec/index.js'
import { TesseraError } from '../errors/index.js'
import type { ControlCodec } from '../net/index.js'
import { EdgeBadOptions } from './errors.js'
import { kickReasonFor, toErrorReply } from './wire-codes.js'

// Shapes of the control messages of proto/tessera/control.proto as the
// generated code represents them. The edge gets the codecs from the
// registry it is given (structural typing keeps @tessera/protocol out of
// the kernel's imports).

export interface WireVersion {
  major: number
  minor: number
  revision: number
  stage: number
}

export interface HandshakeMsg {
  version?: WireVersion
  schemaHash: Uint8Array
  token: string
  resume?: { resumeToken: string; lastReceivedSeq: bigint }
  compression: number[]
  encryption: number[]
  keyPublic: Uint8Array
  nonce: Uint8Array
  clientKind: string
}

export interface HandshakeOkMsg {
  sessionId: string
  resumeToken: string
  resumed: boolean
  lastReceivedSeq: bigint
  compression: number
  compressThreshold: number
  encryption: number
  keyPublic: Uint8Array
  nonce: Uint8Array
  keyRotateMs: number
  heartbeatMs: number
  idleTimeoutMs: number
  maxFrameBytes: number
  serverTimeMs: bigint
  serverVersion?: WireVersion
}

export const ControlId = {
  Handshake: 1,
  HandshakeOk: 2,
  Heartbeat: 3,
  Ack: 4,
  Kick: 5,
  ErrorReply: 6,
  Goodbye: 7,
} as const

export const COMPRESSION_DEFLATE_RAW = 1
export const ENCRYPTION_X25519_AES_256_GCM = 1

/** Typed access to the control codecs in a registry. */
export class ControlMessages {
  private readonly handshake: BodyType
  private readonly handshakeOk: BodyType
  private readonly ack: BodyType
  private readonly kick: BodyType
  private readonly goodbye: BodyType
  readonly errorReply: BodyType

  constructor(registry: BodyRegistry) {
    const need = (id: number, name: string): BodyType => {
      const t = registry.get(id)
      if (!t || t.name !== name) throw new EdgeBadOptions(`registry has no ${name} at msg id ${id}`)
      return t
    }
    this.handshake = need(ControlId.Handshake, 'tessera.Handshake')
    this.handshakeOk = need(ControlId.HandshakeOk, 'tessera.HandshakeOk')
    this.ack = need(ControlId.Ack, 'tessera.Ack')
    this.kick = need(ControlId.Kick, 'tessera.Kick')
    this.goodbye = need(ControlId.Goodbye, 'tessera.Goodbye')
    this.errorReply = registry.errorReply
  }

  decodeHandshake(body: Uint8Array): HandshakeMsg {
    return this.handshake.decode(body) as HandshakeMsg
  }

  encodeHandshakeOk(m: HandshakeOkMsg): Uint8Array {
    return this.handshakeOk.encode(m)
  }

  encodeAck(seq: number): Uint8Array {
    return this.ack.encode({ seq: BigInt(seq) })
  }

  decodeAck(body: Uint8Array): number {
    return Number((this.ack.decode(body) as { seq: bigint }).seq)
  }

  encodeKick(reason: number, message: string): Uint8Array {
    return this.kick.encode({ reason, message })
  }

  decodeGoodbye(body: Uint8Array): string {
    return (this.goodbye.decode(body) as { reason: string }).reason
  }

  encodeError(err: TesseraError | null): Uint8Array {
    return this.errorReply.encode(toErrorReply(err))
  }
}

/**
 * The net layer's ControlCodec over the generated control messages: what
 * the edge's NetServer is built with, so heartbeats, kicks and the error
 * replies the net layer sends itself are real protobuf.
 */
export function edgeControlCodec(registry: BodyRegistry): ControlCodec {
  const m = new ControlMessages(registry)
  return {
    heartbeatId: ControlId.Heartbeat,
    kickId: ControlId.Kick,
    encodeKick: (code, message) => m.encodeKick(kickReasonFor(code), message),
    encodeError: (code, message) => m.encodeError(new TesseraError(code, message)),
  }
}
