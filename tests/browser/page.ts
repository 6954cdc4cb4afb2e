// Runs inside headless Chromium: connects to the test server over
// WebSocket with the SDK, then reports what happened on window.__result.
import { TesseraClient, webSocketSocket } from '@tessera/client'
import { ChatPush, ChatSend, ChatSendRes, Echo } from '@tessera/protocol/client'

interface PageResult {
  ok: boolean
  error?: string
  encrypted?: boolean
  echo?: string
  bigEchoLength?: number
  pushes?: number[]
  resumed?: number
  sessionLost?: number
  badToken?: string
  /** What connecting to a wss:// server whose certificate the browser does not trust gave. */
  untrusted?: string
  /** The page's own origin scheme (https: in the wss run). */
  protocol?: string
}

declare global {
  interface Window {
    __result?: PageResult
    __stage?: string
  }
}

async function run(): Promise<PageResult> {
  const params = new URLSearchParams(location.hash.slice(1))
  const url = params.get('ws')!
  const total = Number(params.get('pushes'))
  const pin = params.get('pin')
  const c = new TesseraClient({
    socket: webSocketSocket(url),
    token: params.get('token')!,
    clientKind: 'web',
    reconnect: { initialDelayMs: 20 },
    // The server's handshake signature checked with WebCrypto Ed25519.
    ...(pin ? { serverKeys: [pin] } : {}),
  })
  let resumed = 0
  let sessionLost = 0
  c.on('open', (e) => {
    if (e.resumed) resumed++
  })
  c.on('sessionLost', () => sessionLost++)
  await c.connect()
  const echo = await c.request(Echo, { text: 'hello from chromium' })
  const big = await c.request(Echo, { text: 'z'.repeat(5000) })
  const pushes: number[] = []
  c.onPush(ChatPush, (m) => {
    pushes.push(Number(m.messageId))
    if (pushes.length === 40) window.__stage = 'midstream'
  })
  await c.request(ChatSend, { channel: 'web', text: `${total} 2` }, { response: ChatSendRes })
  const deadline = Date.now() + 10_000
  while (pushes.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  const encrypted = c.keyEpochs !== null
  await c.close()
  const bad = new TesseraClient({ socket: webSocketSocket(url), token: 'forged', reconnect: false })
  const badToken = await bad.connect().then(
    () => 'accepted',
    (e: { code: string }) => e.code,
  )
  const untrustedUrl = params.get('untrusted')
  const untrusted = untrustedUrl
    ? await new TesseraClient({
        socket: webSocketSocket(untrustedUrl),
        token: params.get('token')!,
        reconnect: false,
        connectTimeoutMs: 5000,
      })
        .connect()
        .then(
          () => 'accepted',
          (e: { code: string }) => e.code,
        )
    : undefined
  return {
    ok: true,
    encrypted,
    echo: echo.text,
    bigEchoLength: big.text.length,
    pushes,
    resumed,
    sessionLost,
    badToken,
    untrusted,
    protocol: location.protocol,
  }
}

run().then(
  (r) => {
    window.__result = r
  },
  (e: unknown) => {
    window.__result = { ok: false, error: String((e as Error)?.stack ?? e) }
  },
)
