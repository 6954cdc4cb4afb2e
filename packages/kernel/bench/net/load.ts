// Load generator for the echo benchmark (runs in the bench process): C
// clients keep F messages in flight each, every message a 10-byte header +
// P-byte payload frame; every echo received triggers the next send.
import { connect } from 'node:net'
import { WebSocket } from 'ws'

export interface Load {
  /** Echoes received since the last reset. */
  received(): number
  reset(): void
  close(): void
}

function frame(payload: number): Buffer {
  const f = Buffer.alloc(10 + payload, 0x61)
  f[0] = 0
  f[1] = 0
  // The body is a valid protobuf game.Echo (field 2 `payload`, length-
  // delimited) so the *-pb server cases can decode it; raw servers and the
  // opaque session cases only echo the bytes.
  if (payload >= 2 && payload - 2 < 128) {
    f[10] = 0x12
    f[11] = payload - 2
  }
  f.writeUInt32BE(100, 2)
  f.writeUInt32BE(1, 6)
  return f
}

export async function tcpLoad(
  port: number,
  clients: number,
  inFlight: number,
  payload: number,
): Promise<Load> {
  const body = frame(payload)
  const msg = Buffer.alloc(4 + body.length)
  msg.writeUInt32BE(body.length, 0)
  body.copy(msg, 4)
  let got = 0
  const socks = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<ReturnType<typeof connect>>((res, rej) => {
          const s = connect({ port, host: '127.0.0.1', noDelay: true }, () => res(s))
          s.once('error', rej)
        }),
    ),
  )
  // Replies answered in one read are re-sent in one write, as a real client
  // with several requests in flight would.
  const batches = Array.from({ length: inFlight * 4 + 1 }, (_, n) => Buffer.concat(Array(n).fill(msg)))
  for (const s of socks) {
    let pending = 0 // bytes of a partially received reply
    s.on('data', (c: Buffer) => {
      // Replies are all msg.length bytes: count whole ones, keep the remainder.
      const total = pending + c.length
      let n = Math.floor(total / msg.length)
      pending = total - n * msg.length
      got += n
      while (n > 0) {
        const k = Math.min(n, batches.length - 1)
        s.write(batches[k]!)
        n -= k
      }
    })
    s.on('error', () => {})
    s.write(batches[inFlight]!)
  }
  return {
    received: () => got,
    reset: () => {
      got = 0
    },
    close: () => {
      for (const s of socks) s.destroy()
    },
  }
}

export async function wsLoad(
  port: number,
  clients: number,
  inFlight: number,
  payload: number,
  path = '/',
): Promise<Load> {
  const msg = frame(payload)
  let got = 0
  const sockets = await Promise.all(
    Array.from(
      { length: clients },
      () =>
        new Promise<WebSocket>((res, rej) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false })
          ws.once('open', () => res(ws))
          ws.once('error', rej)
        }),
    ),
  )
  for (const ws of sockets) {
    ws.on('message', () => {
      got++
      ws.send(msg)
    })
    ws.on('error', () => {})
    for (let i = 0; i < inFlight; i++) ws.send(msg)
  }
  return {
    received: () => got,
    reset: () => {
      got = 0
    },
    close: () => {
      for (const ws of sockets) ws.terminate()
    },
  }
}
