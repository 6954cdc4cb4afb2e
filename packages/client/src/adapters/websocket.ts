import { onceEvents, type SocketFactory } from '../socket.js'

/** The part of the WHATWG WebSocket the adapter uses (browsers, Node 22+, the `ws` package). */
export interface WebSocketLike {
  binaryType: string
  send(data: ArrayBuffer | ArrayBufferView): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code?: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

export interface WebSocketSocketOptions {
  /** Constructor to use; defaults to `globalThis.WebSocket` (pass `ws`'s class on Node 20). */
  WebSocket?: WebSocketConstructor
}

/** Frames over WebSocket: one binary message is one frame. */
export function webSocketSocket(url: string, opts: WebSocketSocketOptions = {}): SocketFactory {
  return (handlers) => {
    const ev = onceEvents(handlers)
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (Ctor === undefined) throw new Error('no WebSocket in this runtime: pass options.WebSocket')
    const ws = new Ctor(url)
    ws.binaryType = 'arraybuffer'
    ws.onopen = () => ev.onOpen()
    ws.onmessage = (m) => {
      const d = m.data
      if (d instanceof ArrayBuffer) ev.onMessage(new Uint8Array(d))
      else if (ArrayBuffer.isView(d)) ev.onMessage(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
      else {
        // Text messages are not part of the protocol.
        ev.onClose('text message on a binary protocol')
        ws.close()
      }
    }
    ws.onerror = () => ev.onClose('websocket error')
    ws.onclose = (c) => ev.onClose(`websocket closed (${c.code ?? 0}${c.reason ? ` ${c.reason}` : ''})`)
    return {
      send(frame) {
        if (!ev.closed) ws.send(frame)
      },
      close() {
        try {
          ws.close()
        } finally {
          ev.onClose('closed by client')
        }
      },
    }
  }
}
