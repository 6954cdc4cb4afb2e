// A real client-facing server for the end-to-end suites: the kernel's
// NetServer (TCP, WebSocket and auto stacks on 127.0.0.1, port 0) with the
// edge as its handler, HMAC-signed tokens, and a few game handlers:
//   Echo          → the same message back; text "sleep:<ms>" answers late
//   ChatSend      → ChatSendRes at once, then `text` = "<count> <intervalMs>"
//                   ChatPush messages numbered 1..count (message_id) to the sender
import {
  type EdgeOptions,
  EdgeServer,
  edgeControlCodec,
  HmacTokens,
  type NetLimitsInput,
  NetServer,
  type TlsContexts,
} from '@tessera/kernel'
import { ChatPush, ChatSend, ChatSendRes, createRegistry, Echo, SCHEMA_HASH } from '@tessera/protocol'

export const TOKEN_SECRET = 'tessera-test-secret-0123456789abcdef'

export interface TestServer {
  net: NetServer
  edge: EdgeServer
  tokens: HmacTokens
  tcpUrl: { host: string; port: number }
  wsUrl: string
  /** With `tls`: the tls:// port (binary over TLS) and the wss:// URL (name `localhost`). */
  tlsUrl?: { host: string; port: number }
  wssUrl?: string
  /** Pushes the stream handler has sent, per edge session id. */
  streamed: Map<string, number>
  /** How many times the Echo handler saw each text (client→server exactly-once checks). */
  echoes: Map<string, number>
  close(): Promise<void>
}

export async function startTestServer(
  opts: Partial<Omit<EdgeOptions, 'registry' | 'verifyToken'>> & {
    limits?: NetLimitsInput
    /** Also listen on tls:// and wss:// with these certificates. */
    tls?: TlsContexts
  } = {},
): Promise<TestServer> {
  const registry = createRegistry()
  const tokens = new HmacTokens({ secret: TOKEN_SECRET })
  const { limits, tls, ...edgeOpts } = opts
  const edge = new EdgeServer({
    registry,
    schemaHash: SCHEMA_HASH,
    verifyToken: tokens.verifier(),
    ...edgeOpts,
  })
  const timers = new Set<NodeJS.Timeout>()
  const streamed = new Map<string, number>()
  const echoes = new Map<string, number>()
  edge.route(Echo, async (msg) => {
    echoes.set(msg.text, (echoes.get(msg.text) ?? 0) + 1)
    const m = /^sleep:(\d+)$/.exec(msg.text)
    if (m) await new Promise((r) => setTimeout(r, Number(m[1])))
    return msg
  })
  edge.route(
    ChatSend,
    (msg, { session }) => {
      const [count, interval] = msg.text.split(' ').map(Number) as [number, number]
      let i = 0
      const tick = () => {
        if (session.state === 'released' || i >= count) return
        i++
        session.push(
          ChatPush,
          ChatPush.create({ channel: msg.channel, messageId: BigInt(i), text: `push ${i}` }),
        )
        streamed.set(session.id, i)
        if (i < count) {
          const t = setTimeout(tick, interval)
          timers.add(t)
        }
      }
      const t = setTimeout(tick, 0)
      timers.add(t)
      return ChatSendRes.create({ messageId: BigInt(count) })
    },
    ChatSendRes,
  )
  const net = new NetServer({
    handler: edge,
    control: edgeControlCodec,
    limits: { acceptRatePerSec: 0, ...limits, client: { msgRatePerSec: 0, ...limits?.client } },
  })
  const tcp = await net.listen('tcp://127.0.0.1:0', 'client')
  const ws = await net.listen('ws://127.0.0.1:0', 'client')
  const secure = tls
    ? {
        tlsUrl: {
          host: '127.0.0.1',
          port: (await net.listen('tls://127.0.0.1:0', 'client', { tls })).address.port,
        },
        wssUrl: `wss://localhost:${(await net.listen('wss://127.0.0.1:0', 'client', { tls })).address.port}/`,
      }
    : {}
  return {
    ...secure,
    net,
    edge,
    tokens,
    tcpUrl: { host: '127.0.0.1', port: tcp.address.port },
    wsUrl: `ws://127.0.0.1:${ws.address.port}/`,
    streamed,
    echoes,
    async close() {
      for (const t of timers) clearTimeout(t)
      edge.close()
      await net.close()
    },
  }
}

/** Cut every live connection from the server side (socket destroyed / ws terminated). */
export function killConnections(net: NetServer): number {
  const list = net.list()
  for (const s of list) s.conn.destroy()
  return list.length
}
