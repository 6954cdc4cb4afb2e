/**
 * Seals and opens every frame of a session once its handshake negotiated it
 * (the edge sets it right after HandshakeOk; codec's `cipherSealer` is the
 * implementation). The net session runs it at the one place frames enter
 * and leave, so heartbeats, acks, kicks and error replies are authenticated
 * like game frames and nothing on the wire can be forged or replayed.
 */
export interface FrameSealer {
  /** Seal a body for the wire: the returned flags carry ENCRYPTED. */
  seal(flags: number, msgId: number, reqId: number, body: Uint8Array): { flags: number; body: Uint8Array }
  /** Open an inbound body; throws a TesseraError when the frame is not authentic (plaintext, forged, replayed). */
  open(flags: number, msgId: number, reqId: number, body: Uint8Array): Uint8Array
  /** Forget the keys (the session is released). */
  destroy(): void
}
