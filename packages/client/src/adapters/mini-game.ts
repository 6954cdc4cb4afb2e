import { onceEvents, type SocketFactory } from '../socket.js'

/**
 * The SocketTask of WeChat mini games (`wx.connectSocket`) and uni-app
 * (`uni.connectSocket`); both runtimes document the same shape.
 */
export interface MiniGameSocketTask {
  send(opts: {
    data: ArrayBuffer | string
    success?: () => void
    fail?: (err: { errMsg?: string }) => void
  }): void
  close(opts?: { code?: number; reason?: string }): void
  onOpen(cb: (res: unknown) => void): void
  onMessage(cb: (res: { data: ArrayBuffer | string }) => void): void
  onClose(cb: (res: { code?: number; reason?: string }) => void): void
  onError(cb: (res: { errMsg?: string }) => void): void
}

/** `wx` or `uni`: anything with a `connectSocket` of that shape. */
export interface MiniGameSocketApi {
  connectSocket(opts: {
    url: string
    header?: Record<string, string>
    protocols?: string[]
    /** uni-app returns a task only when one of the callbacks is given. */
    complete?: () => void
  }): MiniGameSocketTask
}

function toArrayBuffer(frame: Uint8Array): ArrayBuffer {
  if (
    frame.byteOffset === 0 &&
    frame.byteLength === frame.buffer.byteLength &&
    frame.buffer instanceof ArrayBuffer
  )
    return frame.buffer
  return frame.slice().buffer as ArrayBuffer
}

/** Frames over a mini-game WebSocket task (one binary message = one frame). */
export function miniGameSocket(
  api: MiniGameSocketApi,
  url: string,
  header?: Record<string, string>,
): SocketFactory {
  return (handlers) => {
    const ev = onceEvents(handlers)
    const task = api.connectSocket({ url, ...(header ? { header } : {}), complete: () => {} })
    task.onOpen(() => ev.onOpen())
    task.onMessage((res) => {
      if (typeof res.data === 'string') {
        ev.onClose('text message on a binary protocol')
        task.close({})
      } else ev.onMessage(new Uint8Array(res.data))
    })
    task.onError((res) => ev.onClose(`socket error${res?.errMsg ? `: ${res.errMsg}` : ''}`))
    task.onClose((res) => ev.onClose(`socket closed (${res?.code ?? 0})`))
    return {
      send(frame) {
        if (!ev.closed) task.send({ data: toArrayBuffer(frame) })
      },
      close() {
        try {
          task.close({ code: 1000 })
        } finally {
          ev.onClose('closed by client')
        }
      },
    }
  }
}
