// Encrypted cluster links (cluster.encryptLinks) between two real
// TcpClusterTransports, through a relay on loopback that sees every byte:
// with encryption the relay never sees the payload in clear (without it,
// it does: the check can fail), a frame the relay alters closes the link,
// and a relay that strips the dialler's key offer gets no link at all.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { LinkChallenge, LinkHello } from '@tessera/wire'
import { afterEach, describe, expect, it } from 'vitest'
import type { TesseraError } from '../errors/index.js'
import { FrameFlag, type Session } from '../net/index.js'
import type { PeerIdentity } from './link-auth.js'
import { TcpClusterTransport } from './tcp-transport.js'
import type { Link } from './transport.js'

const SECRET = 'the-cluster-secret-0123456789'
const A: PeerIdentity = { kind: 'logic', serviceId: 10, node: 'node-a' }
const B: PeerIdentity = { kind: 'gateway', serviceId: 200, node: 'node-b' }
const MARKER = 'PLAINTEXT-MARKER-the-payload-a-relay-must-not-read'
const GAME_MSG = 1000

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

interface Side {
  t: TcpClusterTransport
  up: Link[]
  down: TesseraError[]
  got: string[]
}

function side(identity: PeerIdentity, encrypt: boolean): Side {
  const t = new TcpClusterTransport({ identity, secret: SECRET, dialTimeoutMs: 5000, encrypt })
  const s: Side = { t, up: [], down: [], got: [] }
  t.bind({
    onLinkUp: (l) => s.up.push(l),
    onLinkDown: (_l, reason) => s.down.push(reason),
    onFrame: (_l, f) => s.got.push(Buffer.from(f.body).toString()),
  })
  closers.push(() => t.close())
  return s
}

interface Frame {
  flags: number
  msgId: number
  reqId: number
  body: Buffer
}

/** One direction's frame parser (4-byte length, 10-byte header, body). */
function frameReader() {
  let buf = Buffer.alloc(0)
  return (chunk: Buffer): Frame[] => {
    buf = Buffer.concat([buf, chunk])
    const out: Frame[] = []
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0)
      if (buf.length < 4 + n) break
      const f = buf.subarray(4, 4 + n)
      out.push({
        flags: f[0]!,
        msgId: f.readUInt32BE(2),
        reqId: f.readUInt32BE(6),
        body: Buffer.from(f.subarray(10)),
      })
      buf = buf.subarray(4 + n)
    }
    return out
  }
}

function encodeFrame(f: Frame): Buffer {
  const out = Buffer.alloc(14 + f.body.length)
  out.writeUInt32BE(10 + f.body.length, 0)
  out[4] = f.flags
  out.writeUInt32BE(f.msgId, 6)
  out.writeUInt32BE(f.reqId, 10)
  out.set(f.body, 14)
  return out
}

type Rewrite = (f: Frame, dir: 'toAcceptor' | 'toDialler') => Frame

/** A relay in front of `target`: records every byte both ways, frames may be rewritten. */
async function relay(target: string, rewrite: Rewrite = (f) => f) {
  const u = new URL(target)
  const seen: Buffer[] = []
  const sockets = new Set<Socket>()
  const server: Server = createServer((c) => {
    const up = tcpConnect({ host: u.hostname, port: Number(u.port) })
    sockets.add(c).add(up)
    const pipe = (from: Socket, to: Socket, dir: 'toAcceptor' | 'toDialler') => {
      const read = frameReader()
      from.on('data', (d: Buffer) => {
        seen.push(Buffer.from(d))
        for (const f of read(d)) to.write(encodeFrame(rewrite(f, dir)))
      })
      from.on('close', () => to.destroy())
      from.on('error', () => to.destroy())
    }
    pipe(c, up, 'toAcceptor')
    pipe(up, c, 'toDialler')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  closers.push(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((r) => server.close(r))
  })
  return { address: `tcp://127.0.0.1:${port}`, seen: () => Buffer.concat(seen) }
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const sessionOf = (l: Link) => (l as unknown as { session: Session }).session

/** Link A (dialler) → relay → B (acceptor), then one payload each way. */
async function exchange(encryptA: boolean, encryptB: boolean) {
  const a = side(A, encryptA)
  const b = side(B, encryptB)
  const r = await relay(await b.t.listen('tcp://127.0.0.1:0'))
  const link = await a.t.dial(r.address)
  await until(() => b.up.length === 1, 'inbound link')
  link.send(0, GAME_MSG, 0, Buffer.from(`${MARKER} a->b`))
  b.up[0]!.send(0, GAME_MSG, 0, Buffer.from(`${MARKER} b->a`))
  await until(() => a.got.length === 1 && b.got.length === 1, 'both payloads')
  return { a, b, link, r }
}

describe('encrypted cluster links', () => {
  it('carry frames both ways while a relay on the path sees no plaintext', async () => {
    const { a, b, link, r } = await exchange(true, true)
    expect(b.got).toEqual([`${MARKER} a->b`])
    expect(a.got).toEqual([`${MARKER} b->a`])
    expect(sessionOf(link).sealed).toBe(true)
    expect(sessionOf(b.up[0]!).sealed).toBe(true)
    expect(r.seen().includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(false)
  })

  it('without encryption the same relay reads the payload (what the encrypted case rules out)', async () => {
    const { link, r } = await exchange(false, false)
    expect(sessionOf(link).sealed).toBe(false)
    expect(r.seen().includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(true)
  })

  it('an acceptor with encryption off still encrypts when the dialler asks', async () => {
    const { link, b, r } = await exchange(true, false)
    expect(sessionOf(link).sealed).toBe(true)
    expect(sessionOf(b.up[0]!).sealed).toBe(true)
    expect(r.seen().includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(false)
  })

  it('an acceptor with encryption on refuses a dialler that does not ask', async () => {
    const a = side(A, false)
    const b = side(B, true)
    const address = await b.t.listen('tcp://127.0.0.1:0')
    await expect(a.t.dial(address)).rejects.toThrow(/encrypts its links/)
    expect(b.up).toEqual([])
  })

  it('a frame altered on the path closes the link (it does not open)', async () => {
    let tamper = false
    const a = side(A, true)
    const b = side(B, true)
    const r = await relay(await b.t.listen('tcp://127.0.0.1:0'), (f, dir) => {
      if (tamper && dir === 'toAcceptor' && (f.flags & FrameFlag.ENCRYPTED) !== 0) {
        const body = Buffer.from(f.body)
        body[body.length - 20]! ^= 0x01
        return { ...f, body }
      }
      return f
    })
    const link = await a.t.dial(r.address)
    await until(() => b.up.length === 1, 'inbound link')
    link.send(0, GAME_MSG, 0, Buffer.from('before'))
    await until(() => b.got.length === 1, 'the untouched frame')
    tamper = true
    link.send(0, GAME_MSG, 0, Buffer.from('altered on the way'))
    await until(() => b.down.length === 1, 'the acceptor drops the link')
    expect(b.down[0]!.code).toBe('CODEC_DECRYPT_FAILED')
    expect(b.got).toEqual(['before'])
    await until(() => a.down.length === 1, 'the dialler sees it closed')
  })

  it('a relay that strips the key offer (or the answer) gets no link', async () => {
    for (const strip of ['hello', 'challenge'] as const) {
      const a = side(A, true)
      const b = side(B, false)
      const r = await relay(await b.t.listen('tcp://127.0.0.1:0'), (f) => {
        if (strip === 'hello' && f.msgId === LinkHello.msgId) {
          const m = LinkHello.decode(f.body)
          return { ...f, body: Buffer.from(LinkHello.encode({ ...m, keyPublic: new Uint8Array(0) })) }
        }
        if (strip === 'challenge' && f.msgId === LinkChallenge.msgId) {
          const m = LinkChallenge.decode(f.body)
          return { ...f, body: Buffer.from(LinkChallenge.encode({ ...m, keyPublic: new Uint8Array(0) })) }
        }
        return f
      })
      await expect(a.t.dial(r.address), strip).rejects.toThrow(/did not answer the link key/)
      expect(b.up, strip).toEqual([])
    }
  })

  it('a relay that substitutes its own key is refused by the proofs', async () => {
    const a = side(A, true)
    const b = side(B, true)
    const r = await relay(await b.t.listen('tcp://127.0.0.1:0'), (f) => {
      if (f.msgId === LinkChallenge.msgId) {
        const m = LinkChallenge.decode(f.body)
        const other = new Uint8Array(m.keyPublic)
        other[0]! ^= 0xff
        return { ...f, body: Buffer.from(LinkChallenge.encode({ ...m, keyPublic: other })) }
      }
      return f
    })
    await expect(a.t.dial(r.address)).rejects.toThrow(/does not have the cluster secret/)
    expect(b.up).toEqual([])
  })
})
