// Child process for the idle benchmark: opens N idle connections to a port
// from one local source address (each 127.0.0.x has its own ephemeral port
// range), a bounded number at a time, then holds them. IPC: sends
// {connected, failed} when done; 'exit' closes everything.
//   idle-clients.ts <tcp|ws|edge-tcp|edge-ws> <port> <count> <localAddress> [secret]
// edge-*: each connection first does the edge Handshake with a login token
// of its own user (signed here with the server's HMAC secret) and counts
// once HandshakeOk arrived: an idle edge session, as a quiet gateway holds.
import { connect } from 'node:net'
import { Handshake, HandshakeOk, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import { WebSocket } from 'ws'
import { HmacTokens } from '../../src/edge/index.js'
import { frame } from '../edge/edge-load.js'

const [mode, portText, countText, localAddress, secret] = process.argv.slice(2)
const edge = mode?.startsWith('edge-') === true
const kind = edge ? mode!.slice(5) : mode
const tokens = edge ? new HmacTokens({ secret: secret! }) : null
/** Users 1000 + (a per-process base) + i: one rate budget and session per user, as in production. */
let nextUser = 1_000_000n * BigInt(localAddress!.split('.')[3] ?? 0)

function handshake(): Buffer {
  const hs = Handshake.create({
    version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
    schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
    token: tokens!.sign(nextUser++, 10 * 60_000),
    clientKind: 'bench-idle',
  })
  return frame(0, Handshake.msgId, 1, Handshake.encode(hs))
}

/** True when `f` (header + body) is the HandshakeOk answer. */
function isOk(f: Uint8Array): boolean {
  return f.length >= 10 && ((f[2]! << 24) | (f[3]! << 16) | (f[4]! << 8) | f[5]!) >>> 0 === HandshakeOk.msgId
}
const port = Number(portText)
const count = Number(countText)
const held: { destroy(): void }[] = []
let failed = 0
const CONCURRENCY = 100

function openTcp(): Promise<void> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => {
      if (!edge) {
        held.push(s)
        res()
        return
      }
      const h = handshake()
      const p = Buffer.allocUnsafe(4)
      p.writeUInt32BE(h.length)
      s.write(Buffer.concat([p, h]))
      let got = Buffer.alloc(0)
      const onData = (c: Buffer): void => {
        got = Buffer.concat([got, c])
        if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return
        s.off('data', onData)
        if (isOk(got.subarray(4))) held.push(s)
        else {
          failed++
          s.destroy()
        }
        res()
      }
      s.on('data', onData)
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
      if (!edge) {
        held.push({ destroy: () => ws.terminate() })
        res()
        return
      }
      ws.once('message', (d: Buffer) => {
        if (isOk(d)) held.push({ destroy: () => ws.terminate() })
        else {
          failed++
          ws.terminate()
        }
        res()
      })
      ws.send(handshake())
    })
    ws.on('error', () => {
      failed++
      res()
    })
  })
}

/** A connection (and its handshake) that takes longer than this counts as failed: no open can hang the run. */
const OPEN_TIMEOUT_MS = 20_000

function withTimeout(p: Promise<void>): Promise<void> {
  let t: NodeJS.Timeout | undefined
  return Promise.race([
    p,
    new Promise<void>((r) => {
      t = setTimeout(() => {
        failed++
        r()
      }, OPEN_TIMEOUT_MS)
    }),
  ]).finally(() => clearTimeout(t))
}

let next = 0
const deadline = Date.now() + 240_000
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < count && Date.now() < deadline) {
      next++
      await withTimeout(kind === 'ws' ? openWs() : openTcp())
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
