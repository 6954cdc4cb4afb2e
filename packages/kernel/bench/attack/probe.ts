// The legitimate client of the attack benchmark: over and over, it connects
// (from a chosen source address), does the real Handshake with a fresh
// login token and sends Echo requests one at a time, 20 ms apart, timing
// each round trip. A visit counts as served when the handshake and every
// echo answered within the deadline.
import { connect, type Socket } from 'node:net'
import { createRegistry, Echo, ErrorReply, Handshake, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import { WebSocket } from 'ws'
import { MessageCodec } from '../../src/codec/index.js'
import type { HmacTokens } from '../../src/edge/index.js'
import { frame } from '../edge/edge-load.js'

export interface ProbeResult {
  visits: number
  served: number
  /** Echo round trips, ms. */
  rtts: number[]
  /** Handshake times (connect → HandshakeOk), ms, of served visits. */
  handshakes: number[]
  failures: string[]
}

export interface ProbeOptions {
  mode: 'tcp' | 'ws'
  port: number
  path: string
  localAddress: string
  tokens: HmacTokens
  durationMs: number
  echoesPerVisit: number
  deadlineMs: number
}

const codec = new MessageCodec({ registry: createRegistry(), compression: false })

interface Link {
  send(f: Buffer): void
  close(): void
  next(ms: number): Promise<Buffer>
}

/** A frame queue over either transport. */
function link(o: ProbeOptions): Promise<Link> {
  const frames: Buffer[] = []
  let wake: (() => void) | null = null
  let closed: Error | null = null
  const push = (f: Buffer): void => {
    frames.push(f)
    wake?.()
  }
  const gone = (why: string): void => {
    closed ??= new Error(why)
    wake?.()
  }
  const next = async (ms: number): Promise<Buffer> => {
    const until = performance.now() + ms
    while (frames.length === 0) {
      if (closed) throw closed
      const left = until - performance.now()
      if (left <= 0) throw new Error('timeout')
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        wake = () => {
          clearTimeout(t)
          r()
        }
      })
      wake = null
    }
    return frames.shift()!
  }
  return new Promise((resolve, reject) => {
    if (o.mode === 'ws') {
      const ws = new WebSocket(`ws://127.0.0.1:${o.port}${o.path}`, {
        perMessageDeflate: false,
        localAddress: o.localAddress,
        handshakeTimeout: o.deadlineMs,
      })
      ws.binaryType = 'nodebuffer'
      ws.on('message', (d: Buffer) => push(d))
      ws.on('close', (code) => gone(`closed ${code}`))
      ws.on('error', (e) => {
        gone(e.message)
        reject(e)
      })
      ws.once('open', () => resolve({ send: (f) => ws.send(f), close: () => ws.terminate(), next }))
      return
    }
    const s: Socket = connect({
      port: o.port,
      host: '127.0.0.1',
      localAddress: o.localAddress,
      noDelay: true,
    })
    let rest: Buffer = Buffer.alloc(0)
    s.on('data', (c: Buffer) => {
      rest = rest.length === 0 ? c : Buffer.concat([rest, c])
      while (rest.length >= 4 && rest.length >= 4 + rest.readUInt32BE(0)) {
        const n = rest.readUInt32BE(0)
        push(rest.subarray(4, 4 + n))
        rest = rest.subarray(4 + n)
      }
    })
    s.on('close', () => gone('closed'))
    s.on('error', (e) => {
      gone(e.message)
      reject(e)
    })
    const t = setTimeout(() => s.destroy(new Error('connect timeout')), o.deadlineMs)
    s.once('connect', () => {
      clearTimeout(t)
      resolve({
        send: (f) => {
          const p = Buffer.allocUnsafe(4)
          p.writeUInt32BE(f.length)
          s.write(Buffer.concat([p, f]))
        },
        close: () => s.destroy(),
        next,
      })
    })
  })
}

async function visit(o: ProbeOptions, r: ProbeResult, uid: bigint): Promise<void> {
  const t0 = performance.now()
  let l: Link | null = null
  try {
    l = await link(o)
    const hs = Handshake.create({
      version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
      schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
      token: o.tokens.sign(uid, 60_000),
      clientKind: 'probe',
    })
    l.send(frame(0, Handshake.msgId, 1, Handshake.encode(hs)))
    const ok = await l.next(o.deadlineMs - (performance.now() - t0))
    if (ok[0]! & 0x08) throw new Error(`refused: ${ErrorReply.decode(ok.subarray(10)).message}`)
    const hsMs = performance.now() - t0
    const rtts: number[] = []
    for (let i = 0; i < o.echoesPerVisit; i++) {
      const body = codec.seal(Echo.msgId, i + 2, 0, Echo.encode(Echo.create({ text: `e${i}` })))
      const s = performance.now()
      l.send(frame(body.flags, Echo.msgId, i + 2, body.body))
      for (;;) {
        const f = await l.next(o.deadlineMs)
        const msgId = f.readUInt32BE(2)
        if (msgId < 1000) continue // Acks
        if (f[0]! & 0x08) throw new Error('echo refused')
        break
      }
      rtts.push(performance.now() - s)
      await new Promise((res) => setTimeout(res, 20))
    }
    r.served++
    r.rtts.push(...rtts)
    r.handshakes.push(hsMs)
  } catch (err) {
    if (r.failures.length < 20) r.failures.push((err as Error).message)
  } finally {
    r.visits++
    l?.close()
  }
}

/** Visit the server until `durationMs` has passed; one visit at a time. */
export async function probe(o: ProbeOptions): Promise<ProbeResult> {
  const r: ProbeResult = { visits: 0, served: 0, rtts: [], handshakes: [], failures: [] }
  const end = performance.now() + o.durationMs
  let uid = 1000n
  while (performance.now() < end) await visit(o, r, uid++)
  return r
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
