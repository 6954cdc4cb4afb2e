/**
 * What the SDK needs from a runtime's socket: binary frames in and out.
 * An adapter delivers whole frames (header + body): WebSocket messages are
 * frames already; a stream adapter (TCP) strips its own length prefix.
 */
export interface ClientSocket {
  /** Send one whole frame. Ignored once closed. */
  send(frame: Uint8Array): void
  /** Close; `onClose` still fires once. */
  close(): void
}

export interface SocketEvents {
  /** The socket is open and may send. */
  onOpen(): void
  /** One whole inbound frame. */
  onMessage(frame: Uint8Array): void
  /** Closed (or failed to open); called exactly once per socket. */
  onClose(reason: string): void
}

/** Opens one socket per call; the client calls it again on every reconnect. */
export type SocketFactory = (events: SocketEvents) => ClientSocket

/** Calls `onClose` at most once and drops events after it. */
export function onceEvents(events: SocketEvents): SocketEvents & { readonly closed: boolean } {
  let closed = false
  return {
    get closed() {
      return closed
    },
    onOpen() {
      if (!closed) events.onOpen()
    },
    onMessage(frame) {
      if (!closed) events.onMessage(frame)
    },
    onClose(reason) {
      if (closed) return
      closed = true
      events.onClose(reason)
    },
  }
}
