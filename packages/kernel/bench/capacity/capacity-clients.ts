// Client process of the capacity bench: opens N connections to the port,
// spread over the given 127.0.0.x source addresses (each has its own
// ephemeral port range), at most CONCURRENCY handshakes at a time; each does
// the edge handshake with its own signed token (user firstUser + i), then
// sends a Heartbeat request every HEARTBEAT_MS (spread evenly over the
// period), as a real client does when it has nothing else to say.
//   capacity-clients.ts <port> <count> <addr,addr,...> <firstUser> <heartbeatMs> <rampS>
// IPC: sends {opened, failed, firstError, ms} once every handshake ended
// (or the ramp deadline passed); answers 'status' with
// {opened, failed, open, closedAfterOpen, hbSent, hbAnswered, rss, cpuMicros};
// 'exit' closes everything and exits.
import { HmacTokens } from '../../src/edge/index.js'
import { CAPACITY_SECRET, LeanClient } from './lean-client.js'

const [portText, countText, addrText, firstText, hbText, rampText] = process.argv.slice(2)
const port = Number(portText)
const count = Number(countText)
const addrs = addrText!.split(',')
const firstUser = Number(firstText)
const HEARTBEAT_MS = Number(hbText)
const CONCURRENCY = 64
const tokens = new HmacTokens({ secret: CAPACITY_SECRET })

const clients: LeanClient[] = []
let opened = 0
let failed = 0
let open = 0
let closedAfterOpen = 0
let hbSent = 0
let hbAnswered = 0
let firstError = ''

function openOne(i: number): Promise<void> {
  return new Promise((res) => {
    let wasOpen = false
    const c = new LeanClient(port, addrs[i % addrs.length], tokens.sign(BigInt(firstUser + i), 3_600_000), {
      onOpen(err) {
        if (err) {
          failed++
          if (!firstError) firstError = err.message
        } else {
          wasOpen = true
          opened++
          open++
          clients.push(c)
        }
        res()
      },
      onHeartbeat() {
        hbAnswered++
      },
      onEcho() {},
      onClose() {
        if (!wasOpen) return
        open--
        closedAfterOpen++
      },
    })
  })
}

// Heartbeats from the start (a ramp can outlast the server's 45 s idle deadline):
// BUCKETS ticks per period, each sends for its slice of the clients.
const BUCKETS = Math.max(1, Math.round(HEARTBEAT_MS / 100))
let tick = 0
const hb = setInterval(() => {
  const b = tick++ % BUCKETS
  for (let i = b; i < clients.length; i += BUCKETS) {
    const c = clients[i]!
    if (c.closed) continue
    c.heartbeat()
    hbSent++
  }
}, HEARTBEAT_MS / BUCKETS)

const t0 = performance.now()
const deadline = Date.now() + Number(rampText) * 1000
let next = 0
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < count && Date.now() < deadline) await openOne(next++)
  }),
)
process.send!({ opened, failed, firstError, ms: performance.now() - t0 })

process.on('message', (m: string) => {
  if (m === 'status') {
    const u = process.cpuUsage()
    process.send!({
      opened,
      failed,
      open,
      closedAfterOpen,
      hbSent,
      hbAnswered,
      rss: process.memoryUsage().rss,
      cpuMicros: u.user + u.system,
    })
  } else if (m === 'exit') {
    clearInterval(hb)
    for (const c of clients) c.destroy()
    process.exit(0)
  }
})
