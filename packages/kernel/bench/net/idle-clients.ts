// Child process for the idle benchmark: opens N idle connections to a port
// from one local source address (each 127.0.0.x has its own ephemeral port
// range), a bounded number at a time, then holds them. IPC: sends
// {connected, failed} when done; 'exit' closes everything.
//   idle-clients.ts <tcp|ws> <port> <count> <localAddress>
import { connect } from 'node:net'
import { WebSocket } from 'ws'

const [kind, portText, countText, localAddress] = process.argv.slice(2)
const port = Number(portText)
const count = Number(countText)
const held: { destroy(): void }[] = []
let failed = 0
const CONCURRENCY = 100

function openTcp(): Promise<void> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => {
      held.push(s)
      res()
    })
    s.on('error', () => {
      failed++
      res()
    })
  })
}

function openWs(): Promise<void> {
  return new Promise((res) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { localAddress, perMessageDeflate: false })
    ws.once('open', () => {
      held.push({ destroy: () => ws.terminate() })
      res()
    })
    ws.on('error', () => {
      failed++
      res()
    })
  })
}

let next = 0
const deadline = Date.now() + 120_000
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < count && Date.now() < deadline) {
      next++
      await (kind === 'ws' ? openWs() : openTcp())
    }
  }),
)
process.send!({ connected: held.length, failed })
process.on('message', (m) => {
  if (m === 'exit') {
    for (const h of held) h.destroy()
    process.exit(0)
  }
})
