import type { Reader, Writer } from './wire.js'

/**
 * What the generator emits for every message: metadata from the proto
 * options plus its codec. `encode`/`decode` work on whole bodies; `write`/
 * `read` are the building blocks nested messages call.
 */
export interface MessageType<T = unknown> {
  /** Fully qualified proto name, e.g. `game.ChatSend`. */
  readonly name: string
  /** Wire id from `(tessera.msg_id)`; 0 for a type used only as a field. */
  readonly msgId: number
  /** Leave the body out of logs in frames without the RESPONSE flag. */
  readonly noLogReq: boolean
  /** Leave the body out of logs in frames with the RESPONSE flag. */
  readonly noLogRes: boolean
  /** Service-to-service only; absent from the client code. */
  readonly serverOnly: boolean
  /** A message with every field at its default, overridden by `init`. */
  create(init?: Partial<T>): T
  encode(message: T): Uint8Array
  /** Throws {@link ProtoWireError} on a malformed body. */
  decode(bytes: Uint8Array): T
  /** Decode the body at `buf[start, end)` without making a view of it (a frame inside a socket chunk). */
  decodeRange(buf: Uint8Array, start: number, end: number): T
  /**
   * Encode into a reused scratch writer and return it: the bytes are
   * `buf[0, pos)`, valid until `release()`, which the caller must call once
   * done with them (sessions copy them straight into the outbound frame,
   * saving the body array {@link encode} allocates).
   */
  encodeScratch(message: T): Writer
  /**
   * Encode straight into `target` from `offset` on (an outbound frame being
   * built). Returns the end offset, or -1 when the message may not fit in
   * `target` (the writer reserves worst-case room: 5 bytes a varint, 3 a
   * UTF-16 unit); then nothing usable was produced: encode another way.
   */
  encodeInto(message: T, target: Uint8Array, offset: number): number
  write(message: T, w: Writer, depth: number): void
  read(r: Reader, end: number, depth: number): T
}
