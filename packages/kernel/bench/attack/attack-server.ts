// Child process for the attack benchmark: one client-facing edge process
// (NetServer + EdgeServer, HMAC tokens) with DEFAULT net limits, listening on
// every client stack (tcp, ws, http with its /ws upgrade, auto) on 127.0.0.1.
//   attack-server.ts [limitsJson]
// IPC: sends {ports: {tcp, ws, http, auto}} once listening; then answers
//   'lag-reset' → restarts the event-loop delay histogram → {ok}
//   'stats' → {sessions, counters, rssBytes, heapBytes, lagP99Ms, lagMaxMs}
//   'exit'  → exits.
// The Echo handler answers at once; "push:<n>" makes the session receive a
// 2 KiB push every 20 ms n times (stalled-reader runs).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { ChatPush, createRegistry, Echo, SCHEMA_HASH } from '@tessera/protocol'
import { EdgeServer, edgeControlCodec, HmacTokens } from '../../src/edge/index.js'
import { type NetLimitsInput, NetServer } from '../../src/net/index.js'

import { ATTACK_SECRET } from './secret.js'

const limits = (process.argv[2] ? JSON.parse(process.argv[2]) : {}) as NetLimitsInput
const registry = createRegistry()
const tokens = new HmacTokens({ secret: ATTACK_SECRET })
const timers = new Set<NodeJS.Timeout>()
// EDGE_NODE_REPLAY_MB: the node-wide replay cap (default: the edge's own).
const capMb = Number(process.env.EDGE_NODE_REPLAY_MB ?? 0)
const edge = new EdgeServer({
  registry,
  schemaHash: SCHEMA_HASH,
  verifyToken: tokens.verifier(),
  ...(capMb > 0 ? { maxNodeReplayBytes: capMb * 1024 * 1024 } : {}),
})
const PUSH_TEXT = 'x'.repeat(2048)
edge.route(Echo, (msg, { session }) => {
  const m = /^push:(\d+)$/.exec(msg.text)
  if (m) {
    let left = Number(m[1])
    const t = setInterval(() => {
      if (session.state === 'released' || left-- <= 0) {
        clearInterval(t)
        timers.delete(t)
        return
      }
      session.push(ChatPush, ChatPush.create({ channel: 'bench', messageId: 1n, text: PUSH_TEXT }))
    }, 20)
    timers.add(t)
  }
  return msg
})
const net = new NetServer({ handler: edge, control: edgeControlCodec, limits })
const ports: Record<string, number> = {}
for (const stack of ['tcp', 'ws', 'http', 'auto'])
  ports[stack] = (await net.listen(`${stack}://127.0.0.1:0`, 'client')).address.port

const lag = monitorEventLoopDelay({ resolution: 5 })
lag.enable()

process.on('message', (m: string) => {
  if (m === 'lag-reset') {
    lag.reset()
    process.send!({ ok: true })
  } else if (m === 'stats') {
    const mem = process.memoryUsage()
    process.send!({
      sessions: net.size,
      edgeSessions: edge.size,
      counters: { ...net.counters },
      rssBytes: mem.rss,
      heapBytes: mem.heapUsed,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
    })
  } else if (m === 'exit') {
    for (const t of timers) clearInterval(t)
    process.exit(0)
  }
})
process.send!({ ports })
