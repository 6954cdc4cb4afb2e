// Reader process of the chat fan-out baseline: opens `count` raw sockets to
// the raw fan-out server from one source address and counts the bytes each
// receives.
//   raw-readers.ts <port> <count> <localAddress>
// IPC: sends {connected} once all are open; answers
// 'progress:<bytes>' → {done, open} (sockets that received at least that
// many bytes); 'exit' closes them and exits.
import { connect, type Socket } from 'node:net'

const [portText, countText, localAddress] = process.argv.slice(2)
const port = Number(portText)
const count = Number(countText)
const socks: { s: Socket; bytes: number; open: boolean }[] = []

let next = 0
await Promise.all(
  Array.from({ length: 50 }, async () => {
    while (next < count) {
      next++
      await new Promise<void>((res, rej) => {
        const r = { s: connect({ port, host: '127.0.0.1', localAddress }), bytes: 0, open: true }
        r.s.once('connect', () => {
          socks.push(r)
          res()
        })
        r.s.once('error', rej)
        r.s.on('data', (c: Buffer) => {
          r.bytes += c.length
        })
        r.s.on('close', () => {
          r.open = false
        })
      })
    }
  }),
)
process.send!({ connected: socks.length })
process.on('message', (m: string) => {
  const [cmd, n] = m.split(':')
  if (cmd === 'progress') {
    const o = socks.filter((r) => r.open)
    process.send!({ done: o.filter((r) => r.bytes >= Number(n)).length, open: o.length })
  } else if (cmd === 'exit') {
    for (const r of socks) r.s.destroy()
    process.exit(0)
  }
})
