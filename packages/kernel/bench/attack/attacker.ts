// Child process for the attack benchmark: one kind of hostile load against
// one port, from the given source addresses (127.0.0.x, each with its own
// ephemeral port range), until told to exit. Each process stays under
// 20,000 open sockets (the per-process file limit).
//   attacker.ts <kind> <tcp|ws> <port> <path> <count> <ip,ip,...>
// kinds: huge (lengths far over the cap), garbage (random bytes), drip (one
// byte a second), stall (a connection that never completes its first frame
// or upgrade), churn (connect and close), flood (connections writing frames
// as fast as the socket takes them), idle (connections held open).
// IPC: sends {ready} once the load is up; 'stats' → {opened, errors}; 'exit'.
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

const [kind, mode, portText, wsPath, countText, ipsText] = process.argv.slice(2) as [
  string,
  'tcp' | 'ws',
  string,
  string,
  string,
  string,
]
const port = Number(portText)
const count = Number(countText)
const ips = ipsText.split(',')
const held = new Set<Socket>()
let opened = 0
let errors = 0
let stopping = false
let ipTurn = 0

function upgradeRequest(): string {
  return (
    `GET ${wsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  )
}

/** A masked client WebSocket binary frame (mask key 0: the server still runs its unmask). */
function wsFrame(payload: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10
  const out = Buffer.alloc(head + 4 + n)
  out[0] = 0x82
  if (n < 126) out[1] = 0x80 | n
  else if (n < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(n, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeBigUInt64BE(BigInt(n), 2)
  }
  payload.copy(out, head + 4)
  return out
}

/** A header-only WebSocket frame announcing 2^40 bytes. */
function wsHugeHeader(): Buffer {
  const out = Buffer.alloc(14)
  out[0] = 0x82
  out[1] = 0x80 | 127
  out.writeBigUInt64BE(1n << 40n, 2)
  return out
}

/** A game frame (msg id 1000) of `n` body bytes, as the stack frames it. */
function gameFrame(n: number): Buffer {
  const f = Buffer.alloc(10 + n, 0x61)
  f[0] = 0
  f[1] = 0
  f.writeUInt32BE(1000, 2)
  f.writeUInt32BE(1, 6)
  if (mode === 'ws') return wsFrame(f)
  const p = Buffer.alloc(4)
  p.writeUInt32BE(f.length)
  return Buffer.concat([p, f])
}

/** Open one socket; for ws, resolve once the upgrade answer's header arrived. */
function open(upgrade: boolean): Promise<Socket | null> {
  const localAddress = ips[ipTurn++ % ips.length]
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress })
    let done = false
    const finish = (v: Socket | null): void => {
      if (done) return
      done = true
      resolve(v)
    }
    s.on('error', () => {
      errors++
      finish(null)
    })
    s.on('close', () => {
      held.delete(s)
      finish(null)
    })
    s.once('connect', () => {
      opened++
      held.add(s)
      if (!upgrade || mode !== 'ws') return finish(s)
      s.write(upgradeRequest())
      let head = ''
      const onData = (c: Buffer): void => {
        head += c.toString('latin1')
        if (head.includes('\r\n\r\n')) {
          s.off('data', onData)
          finish(head.startsWith('HTTP/1.1 101') ? s : null)
        }
      }
      s.on('data', onData)
    })
  })
}

const until = (s: Socket): Promise<void> =>
  new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())))
/** Wait for 'drain' or 'close', whichever comes first, leaving no listener behind. */
function drained(s: Socket): Promise<void> {
  return new Promise((r) => {
    const done = (): void => {
      s.off('drain', done)
      s.off('close', done)
      r()
    }
    s.on('drain', done)
    s.on('close', done)
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Run `n` workers, each repeating `job` until exit. */
async function loop(n: number, job: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (!stopping) {
        await job()
      }
    }),
  )
}

/** Open `count` sockets in bounded batches and keep them; `after` runs on each. */
async function hold(upgrade: boolean, after: (s: Socket) => void): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < count && !stopping) {
        next++
        const s = await open(upgrade)
        if (s !== null) after(s)
      }
    }),
  )
}

const jobs: Record<string, () => Promise<void>> = {
  async huge() {
    await loop(Math.min(count, 20), async () => {
      const s = await open(true)
      if (s === null) return sleep(5)
      if (mode === 'ws') s.write(wsHugeHeader())
      else s.write(Buffer.from([0x3f, 0xff, 0xff, 0xff]))
      s.on('data', () => {})
      await Promise.race([until(s), sleep(2000)])
      s.destroy()
    })
  },
  async garbage() {
    await loop(Math.min(count, 20), async () => {
      const s = await open(true)
      if (s === null) return sleep(5)
      s.on('data', () => {})
      s.write(randomBytes(16 * 1024))
      await Promise.race([until(s), sleep(500)])
      s.destroy()
    })
  },
  async drip() {
    const data = mode === 'ws' ? Buffer.from(upgradeRequest()) : gameFrame(64)
    await hold(false, (s) => {
      let i = 0
      s.on('data', () => {})
      const t = setInterval(() => {
        if (s.destroyed || i >= data.length) return clearInterval(t)
        s.write(data.subarray(i, ++i))
      }, 1000)
      s.once('close', () => clearInterval(t))
    })
    await new Promise(() => {})
  },
  async stall() {
    const partial = mode === 'ws' ? Buffer.from(upgradeRequest().slice(0, 40)) : Buffer.from([0, 0, 0, 64, 0])
    await hold(false, (s) => {
      s.on('data', () => {})
      s.write(partial)
    })
    await new Promise(() => {})
  },
  async churn() {
    await loop(Math.min(count, 50), async () => {
      const s = await open(false)
      if (s === null) return sleep(1)
      s.destroy()
    })
  },
  async flood() {
    const chunk = Buffer.concat(Array.from({ length: 16 }, () => gameFrame(1024)))
    await loop(count, async () => {
      const s = await open(true)
      if (s === null) return sleep(5)
      s.on('data', () => {})
      while (!s.destroyed && !stopping) {
        if (!s.write(chunk)) await drained(s)
      }
    })
  },
  async idle() {
    await hold(mode === 'ws', (s) => s.on('data', () => {}))
    await new Promise(() => {})
  },
}

const job = jobs[kind]
if (job === undefined) throw new Error(`unknown attack ${kind}`)
process.on('message', (m: string) => {
  if (m === 'stats') process.send!({ opened, errors, held: held.size })
  else if (m === 'exit') {
    stopping = true
    for (const s of held) s.destroy()
    process.exit(0)
  }
})
process.send!({ ready: true })
void job()
