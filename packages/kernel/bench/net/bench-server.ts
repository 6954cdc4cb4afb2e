// Child process for the net benchmarks: one server per process so its
// process.cpuUsage() and RSS are its own. Usage (forked with IPC):
//   bench-server.ts <case>   case = raw-ws | session-ws | raw-tcp | raw-tcp-batched | session-tcp | session-auto
//                            | session-ws-pb | session-tcp-pb (body decoded and re-encoded as game.Echo)
// Protocol over IPC: it sends {port} once listening; then answers
//   'start'   → resets the CPU baseline         → {ok}
//   'stop'    → {cpuMicros, echoed}             (CPU since start)
//   'measure' → {rss, heapUsed, newSpaceKiB, waitedMs, sessions}  (settled: settled-memory.ts; idle bench)
//   'base'    → the same, before clients connect
import { readFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { Echo } from '@tessera/protocol'
import { WebSocketServer } from 'ws'
import { Dispatcher, NetServer } from '../../src/net/index.js'
import { settledMemory } from './settled-memory.js'

const kase = process.argv[2] ?? ''
let echoed = 0
let cpuStart = process.cpuUsage()
let ioStart = syscalls()

/** read/write syscalls of this process so far (Linux /proc; zeros elsewhere). */
function syscalls(): { reads: number; writes: number } {
  try {
    const t = readFileSync('/proc/self/io', 'utf8')
    return {
      reads: Number(/syscr: (\d+)/.exec(t)?.[1] ?? 0),
      writes: Number(/syscw: (\d+)/.exec(t)?.[1] ?? 0),
    }
  } catch {
    return { reads: 0, writes: 0 }
  }
}
let sessions = (): number => 0

/** Raw length-prefixed echo: a lean hand parser, one write per frame (like the session). */
function rawTcpEcho(socket: Socket): void {
  socket.setNoDelay(true)
  let rest: Buffer | null = null
  socket.on('data', (chunk: Buffer) => {
    const buf = rest === null ? chunk : Buffer.concat([rest, chunk])
    let off = 0
    // Replies to one read leave in one syscall (same as the TCP session).
    socket.cork()
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off)
      if (buf.length - off - 4 < len) break
      socket.write(buf.subarray(off, off + 4 + len))
      echoed++
      off += 4 + len
    }
    socket.uncork()
    rest = off === buf.length ? null : buf.subarray(off)
  })
  socket.on('error', () => {})
}

/** Raw echo that copies the replies to one read into one buffer: one write per read, no per-frame Buffer. */
function rawTcpBatchedEcho(socket: Socket): void {
  socket.setNoDelay(true)
  let rest: Buffer | null = null
  socket.on('data', (chunk: Buffer) => {
    const buf = rest === null ? chunk : Buffer.concat([rest, chunk])
    let off = 0
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off)
      if (buf.length - off - 4 < len) break
      off += 4 + len
      echoed++
    }
    // The whole frames of this read, copied out (the chunk is the kernel's; a
    // server that answers builds its own bytes) and written at once.
    if (off > 0) socket.write(Buffer.from(buf.subarray(0, off)))
    rest = off === buf.length ? null : buf.subarray(off)
  })
  socket.on('error', () => {})
}

async function start(): Promise<number> {
  if (kase === 'raw-ws') {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    wss.on('connection', (ws) => {
      ws.on('message', (d: Buffer) => {
        ws.send(d)
        echoed++
      })
      ws.on('error', () => {})
    })
    sessions = () => wss.clients.size
    await new Promise((r) => wss.once('listening', r))
    return (wss.address() as { port: number }).port
  }
  if (kase === 'raw-tcp' || kase === 'raw-tcp-batched') {
    let n = 0
    const echo = kase === 'raw-tcp' ? rawTcpEcho : rawTcpBatchedEcho
    const server = createServer((s) => {
      n++
      s.on('close', () => n--)
      echo(s)
    })
    sessions = () => n
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return (server.address() as { port: number }).port
  }
  const stack = kase.startsWith('session-ws') ? 'ws' : kase === 'session-auto' ? 'auto' : 'tcp'
  const protobuf = kase.endsWith('-pb')
  const d = new Dispatcher({ onOpen: (s) => s.markAuthenticated() }).on(100, (s, f) => {
    // -pb cases: decode the protobuf body and encode the reply, as a game handler
    // does with the session's typed API (decoded in place, encoded straight
    // into the outbound frame).
    if (protobuf) s.replyMessage(f, Echo, f.decode(Echo))
    else s.reply(f, f.body)
    echoed++
  })
  const server = new NetServer({
    handler: d,
    // Rate limiting stays on (its cost is part of the figure) but far above the load.
    limits: {
      client: { msgRatePerSec: 10_000_000, msgBurst: 10_000_000, idleTimeoutMs: 0, handshakeTimeoutMs: 0 },
      acceptRatePerSec: 0,
    },
  })
  sessions = () => server.size
  const l = await server.listen(`${stack}://127.0.0.1:0`, 'client')
  return l.address.port
}

const port = await start()
process.on('message', async (m: string) => {
  if (m === 'start') {
    echoed = 0
    cpuStart = process.cpuUsage()
    ioStart = syscalls()
    process.send!({ ok: true })
  } else if (m === 'stop') {
    const u = process.cpuUsage(cpuStart)
    const io = syscalls()
    process.send!({
      cpuMicros: u.user + u.system,
      userMicros: u.user,
      echoed,
      reads: io.reads - ioStart.reads,
      writes: io.writes - ioStart.writes,
    })
  } else if (m === 'base' || m === 'measure') {
    process.send!({ ...(await settledMemory()), sessions: sessions() })
  } else if (m === 'exit') process.exit(0)
})
process.send!({ port })
