// Child process for the edge echo benchmark: a real client-facing server
// (NetServer + EdgeServer, HMAC tokens, the generated registry and schema
// hash) in its own process so its process.cpuUsage() is its own.
//   edge-bench-server.ts <tcp|ws> <off|required> [idle]   (second arg: encryption)
// IPC: sends {port, token, secret} once listening (token: a login token for
// user 42; secret: the HMAC secret, for clients that sign their own); then answers
//   'start'   → resets the CPU baseline → {ok}
//   'stop'    → {cpuMicros, echoed, sessions, released, maxPending, totalPending}
//   'base' / 'measure' → {rss, heapUsed, newSpaceKiB, waitedMs, sessions} once settled (idle bench, net/settled-memory.ts;
//               with `idle`, the idle and heartbeat deadlines are off, as in
//               the net idle bench: sessions that say nothing stay)
// where maxPending / totalPending are unacknowledged game messages held for
// resume (per session max, and summed): they stay small only if the load
// generator's Acks reach the server and trim the replay buffers.
import { createRegistry, Echo, SCHEMA_HASH } from '@tessera/protocol'
import { EdgeServer, edgeControlCodec, HmacTokens } from '../../src/edge/index.js'
import { NetServer } from '../../src/net/index.js'
import { settledMemory } from '../net/settled-memory.js'

const stack = process.argv[2] === 'ws' ? 'ws' : 'tcp'
const encryption = process.argv[3] === 'required' ? 'required' : 'off'
const idle = process.argv[4] === 'idle'
const SECRET = 'tessera-bench-secret-0123456789abcdef'

const registry = createRegistry()
const tokens = new HmacTokens({ secret: SECRET })
let echoed = 0
let released = 0
let cpuStart = process.cpuUsage()

const edge = new EdgeServer({
  registry,
  schemaHash: SCHEMA_HASH,
  verifyToken: tokens.verifier(),
  compression: false,
  encryption,
  onSessionEnd: () => {
    released++
  },
})
edge.route(Echo, (msg) => {
  echoed++
  return msg
})
const net = new NetServer({
  handler: edge,
  control: edgeControlCodec,
  // Rate limiting stays on (its cost is part of the figure, as in the net
  // echo bench) but far above the load; idle and handshake deadlines keep
  // their defaults.
  limits: {
    client: {
      msgRatePerSec: 10_000_000,
      msgBurst: 10_000_000,
      ...(idle ? { idleTimeoutMs: 0, handshakeTimeoutMs: 0 } : {}),
    },
    acceptRatePerSec: 0,
  },
})
const l = await net.listen(`${stack}://127.0.0.1:0`, 'client')

process.on('message', (m: string) => {
  if (m === 'start') {
    echoed = 0
    cpuStart = process.cpuUsage()
    process.send!({ ok: true })
  } else if (m === 'stop') {
    const u = process.cpuUsage(cpuStart)
    let maxPending = 0
    let totalPending = 0
    for (const s of edge.list()) {
      const p = s.pendingReplay.count
      totalPending += p
      if (p > maxPending) maxPending = p
    }
    process.send!({
      cpuMicros: u.user + u.system,
      echoed,
      sessions: edge.size,
      released,
      maxPending,
      totalPending,
    })
  } else if (m === 'base' || m === 'measure') {
    void settledMemory().then((mem) => process.send!({ ...mem, sessions: edge.size }))
  } else if (m === 'exit') process.exit(0)
})

process.send!({ port: l.address.port, token: tokens.sign(42n, 10 * 60_000), secret: SECRET })
