// Baseline of the chat fan-out bench: a bare node:net server in its own
// process holding the raw sockets, writing one pre-built frame (the bytes a
// gateway writes for one ChatPush: length prefix, header, body) to every
// socket per line — what a broadcast costs with no protocol at all.
//   raw-fanout-server.ts <frameHex>
// IPC: sends {port} once listening; answers 'count' → {sockets} and
// 'fire:<lines>' → {ok} once every line is handed to every socket (a line
// per event-loop turn, so writes drain as they would between broadcasts).
import { createServer, type Socket } from 'node:net'

const frame = Buffer.from(process.argv[2]!, 'hex')
const sockets = new Set<Socket>()
const server = createServer({ noDelay: true }, (s) => {
  sockets.add(s)
  s.on('error', () => {})
  s.on('close', () => sockets.delete(s))
  s.resume()
})
server.listen(0, '127.0.0.1', () => {
  const a = server.address()
  process.send!({ port: typeof a === 'object' && a !== null ? a.port : 0 })
})
process.on('message', async (m: string) => {
  const [cmd, n] = m.split(':')
  if (cmd === 'count') process.send!({ sockets: sockets.size })
  else if (cmd === 'fire') {
    for (let line = 0; line < Number(n); line++) {
      for (const s of sockets) s.write(frame)
      await new Promise((r) => setImmediate(r))
    }
    process.send!({ ok: true })
  } else if (cmd === 'exit') process.exit(0)
})
