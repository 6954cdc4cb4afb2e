import { FrameFlag, type MessageType } from '@tessera/wire'
import { TesseraError } from '../errors/index.js'
import { BodyCompressor, type CompressionOptions } from './compression.js'
import { frameAadScratch, type SessionCipher } from './encryption.js'
import {
  CodecBadBody,
  CodecEncodeFailed,
  CodecNoCipher,
  CodecPlaintextRefused,
  CodecUnknownMessage,
} from './errors.js'

/** What the body pipeline uses of a generated message type. */
export type BodyType = Pick<
  MessageType,
  'name' | 'noLogReq' | 'noLogRes' | 'serverOnly' | 'encode' | 'decode'
>

/** What the body pipeline uses of the generated registry (`createRegistry()` of @tessera/protocol). */
export interface BodyRegistry {
  get(msgId: number): BodyType | undefined
  /** The type of every ERROR frame's body. */
  readonly errorReply: BodyType
}

export interface MessageCodecOptions {
  registry: BodyRegistry
  /** Compression settings, or false to never compress (decoding compressed frames still works). */
  compression?: Partial<CompressionOptions> | false
  /** Refuse server-only messages (set on client-facing sessions). Default false. */
  refuseServerOnly?: boolean
}

export interface EncodedBody {
  /** The flags passed in plus COMPRESSED / ENCRYPTED as applied. */
  flags: number
  body: Uint8Array
}

/**
 * Body pipeline: message ↔ protobuf bytes ↔ (deflate-raw) ↔ (AES-GCM).
 * One instance per session type, shared by its sessions; per-session state
 * (the cipher) is passed per call. `M` maps msg ids to message types
 * (the generated `MessageMap`) for typed encode calls.
 */
export class MessageCodec<M extends object = Record<number, unknown>> {
  readonly registry: BodyRegistry
  private readonly compressor: BodyCompressor
  private readonly compressOut: boolean
  private readonly refuseServerOnly: boolean

  constructor(options: MessageCodecOptions) {
    this.registry = options.registry
    this.compressOut = options.compression !== false
    this.compressor = new BodyCompressor(options.compression === false ? {} : options.compression)
    this.refuseServerOnly = options.refuseServerOnly ?? false
  }

  get compression(): Readonly<CompressionOptions> {
    return this.compressor.options
  }

  /**
   * Encode a message for a frame. `flags` carries RESPONSE / ERROR /
   * PRIORITY as the caller wants them; the result adds COMPRESSED and
   * ENCRYPTED. With a cipher, the header (final flags, msgId, reqId) is
   * authenticated, so it must go on the wire exactly as returned.
   */
  encode<K extends keyof M & number>(
    msgId: K,
    message: M[K],
    reqId = 0,
    flags = 0,
    cipher?: SessionCipher,
  ): EncodedBody {
    const type = this.typeFor(msgId, flags)
    let bytes: Uint8Array
    try {
      bytes = type.encode(message)
    } catch (err) {
      throw CodecEncodeFailed.with({ cause: err }, type.name, msgId, (err as Error).message)
    }
    return this.seal(msgId, reqId, flags, bytes, cipher)
  }

  /** Encode an ERROR frame body (an ErrorReply) answering request `reqId` of `msgId`. */
  encodeError(
    msgId: number,
    reqId: number,
    reply: unknown,
    flags: number = FrameFlag.RESPONSE,
    cipher?: SessionCipher,
  ): EncodedBody {
    return this.encode(
      msgId as keyof M & number,
      reply as M[keyof M & number],
      reqId,
      flags | FrameFlag.ERROR,
      cipher,
    )
  }

  /** Async variant: large bodies compress on zlib's thread pool. */
  async encodeAsync<K extends keyof M & number>(
    msgId: K,
    message: M[K],
    reqId = 0,
    flags = 0,
    cipher?: SessionCipher,
  ): Promise<EncodedBody> {
    const type = this.typeFor(msgId, flags)
    let bytes: Uint8Array
    try {
      bytes = type.encode(message)
    } catch (err) {
      throw CodecEncodeFailed.with({ cause: err }, type.name, msgId, (err as Error).message)
    }
    const packed = this.compressOut ? await this.compressor.compressAsync(bytes) : null
    return this.finish(msgId, reqId, flags, packed ?? bytes, packed !== null, cipher)
  }

  /**
   * Decode a received body to its message. Throws a TesseraError with a
   * CODEC_ code for anything the peer got wrong; never anything else.
   */
  decode(flags: number, msgId: number, reqId: number, body: Uint8Array, cipher?: SessionCipher): unknown {
    const type = this.typeFor(msgId, flags)
    return this.parse(type, msgId, this.open(flags, msgId, reqId, body, cipher))
  }

  /** Async variant: large compressed bodies inflate on zlib's thread pool. */
  async decodeAsync(
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    cipher?: SessionCipher,
  ): Promise<unknown> {
    const type = this.typeFor(msgId, flags)
    const plain = this.decrypt(flags, msgId, reqId, body, cipher)
    const bytes = flags & FrameFlag.COMPRESSED ? await this.compressor.inflateAsync(plain) : plain
    return this.parse(type, msgId, bytes)
  }

  /**
   * Decrypt and inflate without parsing: the protobuf bytes, for a gateway
   * that forwards bodies without re-encoding them. Still checks the msg id.
   */
  open(flags: number, msgId: number, reqId: number, body: Uint8Array, cipher?: SessionCipher): Uint8Array {
    this.typeFor(msgId, flags)
    const plain = this.decrypt(flags, msgId, reqId, body, cipher)
    return flags & FrameFlag.COMPRESSED ? this.compressor.inflate(plain) : plain
  }

  /** Compress and encrypt protobuf bytes already encoded (the inverse of {@link open}). */
  seal(msgId: number, reqId: number, flags: number, bytes: Uint8Array, cipher?: SessionCipher): EncodedBody {
    const packed = this.compressOut ? this.compressor.compress(bytes) : null
    return this.finish(msgId, reqId, flags, packed ?? bytes, packed !== null, cipher)
  }

  /**
   * Throw CODEC_UNKNOWN_MESSAGE unless `msgId` may arrive with these flags
   * (what {@link open} checks first): for a caller that reads a clear,
   * uncompressed body in place instead of opening it.
   */
  check(flags: number, msgId: number): void {
    this.typeFor(msgId, flags)
  }

  /** Whether a frame's body may be logged (the NoLog options of its message). */
  mayLogBody(flags: number, msgId: number): boolean {
    const type = flags & FrameFlag.ERROR ? this.registry.errorReply : this.registry.get(msgId)
    if (!type) return false
    return flags & FrameFlag.RESPONSE ? !type.noLogRes : !type.noLogReq
  }

  private typeFor(msgId: number, flags: number): BodyType {
    if (flags & FrameFlag.ERROR) return this.registry.errorReply
    const type = this.registry.get(msgId)
    if (!type || (this.refuseServerOnly && type.serverOnly)) throw new CodecUnknownMessage(msgId)
    return type
  }

  private finish(
    msgId: number,
    reqId: number,
    flags: number,
    bytes: Uint8Array,
    compressed: boolean,
    cipher: SessionCipher | undefined,
  ): EncodedBody {
    let f = flags & ~(FrameFlag.COMPRESSED | FrameFlag.ENCRYPTED)
    if (compressed) f |= FrameFlag.COMPRESSED
    if (!cipher) return { flags: f, body: bytes }
    f |= FrameFlag.ENCRYPTED
    return { flags: f, body: cipher.seal(frameAadScratch(f, msgId, reqId), bytes) }
  }

  private decrypt(
    flags: number,
    msgId: number,
    reqId: number,
    body: Uint8Array,
    cipher: SessionCipher | undefined,
  ): Uint8Array {
    if (flags & FrameFlag.ENCRYPTED) {
      if (!cipher) throw new CodecNoCipher()
      return cipher.open(frameAadScratch(flags, msgId, reqId), body)
    }
    if (cipher) throw new CodecPlaintextRefused(msgId)
    return body
  }

  private parse(type: BodyType, msgId: number, bytes: Uint8Array): unknown {
    try {
      return type.decode(bytes)
    } catch (err) {
      if (err instanceof TesseraError) throw err
      throw CodecBadBody.with({ cause: err }, type.name, msgId, (err as Error)?.message ?? String(err))
    }
  }
}
