import {
  type MiniGameSocketApi,
  type MiniGameSocketTask,
  miniGameSocket,
  TesseraClient,
} from '@tessera/client'
import { ChatPush, ChatSend, ChatSendRes, Echo } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'

/**
 * `wx` as WeChat documents it (connectSocket → SocketTask with send/close/
 * onOpen/onMessage/onClose/onError, ArrayBuffer data), backed by a real
 * WebSocket. Like the real runtime it hands out ArrayBuffers, not views.
 */
function wxOverWs(): MiniGameSocketApi & { tasks: number } {
  const api = {
    tasks: 0,
    connectSocket(opts: { url: string }): MiniGameSocketTask {
      api.tasks++
      const ws = new WebSocket(opts.url)
      ws.binaryType = 'arraybuffer'
      return {
        send: ({ data, success, fail }) => {
          if (!(data instanceof ArrayBuffer) && typeof data !== 'string')
            throw new TypeError('wx sends ArrayBuffer or string')
          ws.send(data, (err) => (err ? fail?.({ errMsg: err.message }) : success?.()))
        },
        close: (o) => ws.close(o?.code ?? 1000),
        onOpen: (cb) => ws.on('open', () => cb({ header: {} })),
        onMessage: (cb) => ws.on('message', (d: ArrayBuffer) => cb({ data: d })),
        onClose: (cb) =>
          ws.on('close', (code: number, reason: Buffer) => cb({ code, reason: reason.toString() })),
        onError: (cb) => ws.on('error', (e: Error) => cb({ errMsg: e.message })),
      }
    },
  }
  return api
}

describe('mini-game socket adapter (wx.connectSocket shape)', () => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startTestServer()
  })
  afterAll(() => srv.close())

  it('handshakes, requests, receives pushes and resumes after a drop', async () => {
    const wx = wxOverWs()
    const c = new TesseraClient({
      socket: miniGameSocket(wx, srv.wsUrl),
      token: srv.tokens.sign('wechat-user-7', 60_000),
      clientKind: 'wechat',
      // Mini-game runtimes often lack WebCrypto X25519 and CompressionStream.
      encryption: false,
      compression: false,
      reconnect: { initialDelayMs: 20 },
    })
    await c.connect()
    expect(c.keyEpochs).toBeNull()
    expect((await c.request(Echo, { text: 'from wx' })).text).toBe('from wx')
    const got: number[] = []
    c.onPush(ChatPush, (m) => got.push(Number(m.messageId)))
    await c.request(ChatSend, { channel: 'w', text: '150 1' }, { response: ChatSendRes })
    await until(() => got.length > 20)
    killConnections(srv.net)
    await until(() => got.length >= 150, 5000, 'all pushes')
    expect(got).toEqual(Array.from({ length: 150 }, (_, i) => i + 1))
    expect(wx.tasks).toBe(2)
    await c.close()
  })
})
