// Child process for the edge echo benchmark: a real client-facing server
// (NetServer + EdgeServer, HMAC tokens, the generated registry and schema
// hash) in its own process so its process.cpuUsage() is its own.
//   edge-bench-server.ts <tcp|ws> <off|required> [idle] [compression:C,…] [replay:BYTES] [grace:MS]
// (second arg: encryption). compression: one EdgeServer, each on its own
// port, per entry: `off` or a zlib level (default threshold); default one,
// `off`. replay: maxReplayBytes per session; grace: resumeGraceMs (0 frees a
// closed session at once, for benches that connect new clients to one child
// run after run).
// IPC: sends {port, ports, token, secret} once listening (ports: one per
// compression entry, port = ports[0]; token: a login token for user 42;
// secret: the HMAC secret, for clients that sign their own); then answers
//   'start'   → resets the CPU baseline → {ok, released}
//   'stop'    → {cpuMicros, echoed, sessions, live, released, maxPending, totalPending}
//   'base' / 'measure' → {rss, heapUsed, newSpaceKiB, waitedMs, sessions} once settled (idle bench, net/settled-memory.ts;
//               with `idle`, the idle and heartbeat deadlines are off, as in
//               the net idle bench: sessions that say nothing stay)
// summed over the EdgeServers (live: sessions with a connection; released:
// since the process started), where maxPending / totalPending are
// unacknowledged game messages held for resume (per session max, and
// summed): they stay small only if the load generator's Acks reach the
// server and trim the replay buffers.
import { createRegistry, SCHEMA_HASH } from '@tessera/protocol'
import { type EdgeServer, HmacTokens } from '../../src/edge/index.js'
import { settledMemory } from '../net/settled-memory.js'
import { echoEdge } from './echo-edge.js'

const stack = process.argv[2] === 'ws' ? 'ws' : 'tcp'
const encryption = process.argv[3] === 'required' ? 'required' : 'off'
const flags = process.argv.slice(4)
const idle = flags.includes('idle')
const flag = (name: string): string | undefined =>
  flags.find((x) => x.startsWith(`${name}:`))?.slice(name.length + 1)
const compressions = (flag('compression') ?? 'off').split(',').map((c) => (c === 'off' ? null : Number(c)))
const maxReplayBytes = flag('replay')
const resumeGraceMs = flag('grace')
const SECRET = 'tessera-bench-secret-0123456789abcdef'

const registry = createRegistry()
const tokens = new HmacTokens({ secret: SECRET })
let echoed = 0
let released = 0
let cpuStart = process.cpuUsage()

const edges: EdgeServer[] = []
const ports: number[] = []
for (const level of compressions) {
  const { edge, net } = echoEdge(
    {
      registry,
      schemaHash: SCHEMA_HASH,
      verifyToken: tokens.verifier(),
      compression: level === null ? false : { level },
      ...(maxReplayBytes === undefined ? {} : { maxReplayBytes: Number(maxReplayBytes) }),
      ...(resumeGraceMs === undefined ? {} : { resumeGraceMs: Number(resumeGraceMs) }),
      encryption,
      onSessionEnd: () => {
        released++
      },
    },
    () => {
      echoed++
    },
    // Idle and handshake deadlines keep their defaults unless `idle`.
    idle ? { idleTimeoutMs: 0, handshakeTimeoutMs: 0 } : {},
  )
  const l = await net.listen(`${stack}://127.0.0.1:0`, 'client')
  edges.push(edge)
  ports.push(l.address.port)
}

process.on('message', (m: string) => {
  if (m === 'start') {
    echoed = 0
    cpuStart = process.cpuUsage()
    process.send!({ ok: true, released })
  } else if (m === 'stop') {
    const u = process.cpuUsage(cpuStart)
    let maxPending = 0
    let totalPending = 0
    let sessions = 0
    let live = 0
    for (const edge of edges) {
      sessions += edge.size
      for (const s of edge.list()) {
        const p = s.pendingReplay.count
        totalPending += p
        if (p > maxPending) maxPending = p
        if (s.state === 'live') live++
      }
    }
    process.send!({
      cpuMicros: u.user + u.system,
      echoed,
      sessions,
      live,
      released,
      maxPending,
      totalPending,
    })
  } else if (m === 'base' || m === 'measure') {
    void settledMemory().then((mem) =>
      process.send!({ ...mem, sessions: edges.reduce((n, e) => n + e.size, 0) }),
    )
  } else if (m === 'exit') process.exit(0)
})

process.send!({ port: ports[0], ports, token: tokens.sign(42n, 10 * 60_000), secret: SECRET })
