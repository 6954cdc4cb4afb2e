// Hostile bytes on a cluster link, over real loopback sockets against a real
// TcpClusterTransport with a ServiceProxy on it: before the handshake (what
// anyone who can reach the cluster port may send) and after it (what a peer
// holding the secret may send, in clear or on an encrypted link). Whatever
// arrives, nothing throws out of the process, no handler fails, every
// refusal and every close carries a code docs/errors.md lists, no link comes
// up without the proof, and a legitimate peer is served afterwards.
// FUZZ_RUNS / FUZZ_SEED make it a long run (docs/operations.md, "Fuzzing").
import { Echo } from '@tessera/protocol'
import { documentedErrorCodes, fuzzRun, reportFuzz } from '@tessera/testkit'
import { LinkAuth, LinkAuthOk, LinkChallenge, LinkHello } from '@tessera/wire'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '../codec/index.js'
import { RawTcpClient, tcpFrame } from '../net/fixtures/net-fixtures.js'
import { decodeMinimalReason, FrameFlag, MemoryLogger } from '../net/index.js'
import { linkProof, newNonce, type PeerIdentity } from './link-auth.js'
import { ServiceProxy } from './service-proxy.js'
import { TcpClusterTransport } from './tcp-transport.js'

const SECRET = 'the-cluster-secret-0123456789'
const ACCEPTOR: PeerIdentity = { kind: 'logic', serviceId: 10, node: 'node-a' }
const HOSTILE: PeerIdentity = { kind: 'gateway', serviceId: 66, node: 'node-x' }
const KICK = 5
const documented = documentedErrorCodes()

let logger: MemoryLogger
let proxy: ServiceProxy
let address: string
let port: number

beforeAll(async () => {
  logger = new MemoryLogger()
  const transport = new TcpClusterTransport({
    identity: ACCEPTOR,
    secret: SECRET,
    logger,
    limits: { service: { preAuthMaxFrameBytes: 4096, handshakeTimeoutMs: 3000 } },
  })
  proxy = new ServiceProxy({ transport, logger })
  proxy.handle(Echo, Echo, (m) => Echo.create({ text: `echo:${m.text}` }))
  address = await proxy.listen('tcp://127.0.0.1:0')
  port = Number(new URL(address).port)
})

afterAll(async () => {
  await proxy?.close()
})

/** Lines logged since `from`: every release and refusal code, and anything at error level. */
function linesSince(from: number) {
  const lines = logger.lines.slice(from)
  const codes = lines.flatMap((l) => {
    const o = l.obj as { reason?: unknown; code?: unknown }
    // A release names its reason's code; a refusal its code (and the message as `reason`).
    const code = l.msg === 'session released' ? o.reason : o.code
    return typeof code === 'string' ? [code] : []
  })
  const count = (msg: string) => lines.filter((l) => l.msg === msg).length
  return {
    codes,
    errors: lines.filter((l) => l.level === 'error'),
    released: count('session released'),
    linksUp: count('cluster: link up (inbound)'),
  }
}

/** Codes the peer was told: ERROR replies and Kick notices. */
function toldCodes(c: RawTcpClient): string[] {
  return c.frames
    .filter((f) => (f.flags & FrameFlag.ERROR) !== 0 || f.msgId === KICK)
    .map((f) => decodeMinimalReason(f.body).code)
}

/** Wait until the acceptor released `n` more sessions than at `from` (bounded: a hang is a failure). */
async function released(from: number, n = 1): Promise<void> {
  const end = Date.now() + 10_000
  while (linesSince(from).released < n) {
    if (Date.now() > end) throw new Error('the acceptor never released the hostile session')
    await new Promise((r) => setTimeout(r, 2))
  }
}

function expectDocumented(codes: string[], what: string): void {
  for (const c of codes) if (!documented.has(c)) throw new Error(`${what}: undocumented code ${c}`)
}

/** A legitimate peer (a real transport and proxy) is served on the same listener. */
async function legitimateRequest(serviceId: number): Promise<void> {
  const t = new TcpClusterTransport({ identity: { kind: 'gateway', serviceId, node: 'n' }, secret: SECRET })
  const peer = new ServiceProxy({ transport: t })
  try {
    peer.addFixedPeer(ACCEPTOR.serviceId, ACCEPTOR.kind, address)
    const r = await peer.request(ACCEPTOR.serviceId, Echo, Echo.create({ text: 'still here' }), Echo)
    expect(r.text).toBe('echo:still here')
  } finally {
    await peer.close()
  }
}

const identity = fc.record({
  kind: fc.oneof(fc.constantFrom('gateway', 'logic', ''), fc.string({ maxLength: 12 })),
  serviceId: fc.oneof(fc.nat({ max: 100 }), fc.integer({ min: 0, max: 0xffffffff })),
  node: fc.string({ maxLength: 12 }),
})
const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const exactly = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
/** Mostly the five defined flag bits (so frames get past the header), sometimes reserved ones. */
const flags = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
)
/** Bytes after the frames: mostly none (they end a session at the header check). */
const tailBytes = (max: number) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 1, arbitrary: bytes(max) })

/** A LinkHello, valid or with a wrong-sized nonce or key, encoded; sometimes with bytes flipped or cut. */
const hello = fc
  .tuple(
    identity,
    bytes(40),
    fc.oneof(fc.constant(new Uint8Array(0)), bytes(40)),
    fc.nat(),
    fc.nat({ max: 2 }),
  )
  .map(([id, nonce, keyPublic, at, edit]) => {
    const b = Buffer.from(LinkHello.encode({ ...id, nonce, keyPublic }))
    if (b.length === 0 || edit === 0) return b
    const i = at % b.length
    if (edit === 1) b[i] = b[i]! ^ 0xff
    return edit === 1 ? b : b.subarray(0, i)
  })

const handshakeIds = [LinkHello.msgId, LinkChallenge.msgId, LinkAuth.msgId, LinkAuthOk.msgId]

/** One pre-handshake frame: any flags, a handshake id or any id, a hello-like or random body. */
const preAuthFrame = fc
  .tuple(
    flags,
    fc.oneof(fc.constantFrom(...handshakeIds, KICK, 3), fc.integer({ min: 0, max: 0xffffffff })),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.oneof(hello, bytes(200)),
  )
  .map(([flags, msgId, reqId, body]) => tcpFrame(flags, msgId, reqId, body))

/**
 * A well-formed LinkHello (in clear or offering a key) and then a guessed
 * LinkAuth: the dialler does not have the secret, so no proof it sends
 * may bring the link up.
 */
const guessedAuth = fc
  .tuple(
    identity.filter((id) => !(id.kind === ACCEPTOR.kind && id.serviceId === ACCEPTOR.serviceId)),
    fc.boolean(),
    fc.oneof(bytes(32), exactly(32)),
    exactly(32),
    exactly(32),
  )
  .map(([id, offerKey, proof, nonce, key]) =>
    Buffer.concat([
      tcpFrame(
        0,
        LinkHello.msgId,
        1,
        LinkHello.encode({
          ...id,
          nonce,
          keyPublic: offerKey ? key : new Uint8Array(0),
        }),
      ),
      tcpFrame(0, LinkAuth.msgId, 2, LinkAuth.encode({ proof })),
    ]),
  )

/** What an unauthenticated dialler writes: framed garbage, raw garbage, or both, maybe a length past the cap. */
const preAuthStream = fc
  .tuple(
    fc.array(fc.oneof({ weight: 4, arbitrary: preAuthFrame }, { weight: 1, arbitrary: guessedAuth }), {
      maxLength: 4,
    }),
    tailBytes(64),
    fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  )
  .map(([frames, tail, bogusLength]) => {
    const parts: Uint8Array[] = [...frames, tail]
    if (bogusLength !== undefined) {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(bogusLength, 0)
      parts.push(b)
    }
    return Buffer.concat(parts)
  })

describe('cluster link fuzz: before the handshake', () => {
  const run = fuzzRun(150, 0.2)
  it(
    'refuses any bytes an unauthenticated dialler sends, with documented codes, and keeps serving',
    async () => {
      let tried = 0
      await fc.assert(
        fc.asyncProperty(preAuthStream, fc.boolean(), async (stream, chopped) => {
          tried++
          const from = logger.lines.length
          const c = await RawTcpClient.open(port)
          if (chopped) for (const b of stream) c.write(Buffer.from([b]))
          else c.write(stream)
          // Then hang up (the half-close a client that gives up would do).
          c.socket.end()
          await c.closedPromise
          await released(from)
          const seen = linesSince(from)
          expect(seen.errors).toEqual([])
          expectDocumented(seen.codes, 'acceptor log')
          expectDocumented(toldCodes(c), 'told the dialler')
          expect(seen.linksUp).toBe(0)
        }),
        run.params,
      )
      await legitimateRequest(501)
      reportFuzz('cluster link, pre-handshake streams', run, tried)
    },
    run.timeoutMs,
  )
})

/** Open a link as a peer that has the secret, over a raw socket; `encrypted` offers a link key. */
async function rawLink(encrypted: boolean): Promise<RawTcpClient> {
  const c = await RawTcpClient.open(port)
  const nonce = newNonce()
  const keyPublic = encrypted ? generateKeyPair().publicKey : new Uint8Array(0)
  c.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...HOSTILE, nonce, keyPublic }))
  await c.until(() => c.frames.some((f) => f.msgId === LinkChallenge.msgId))
  const ch = LinkChallenge.decode(c.frames.find((f) => f.msgId === LinkChallenge.msgId)!.body)
  const acceptor = { kind: ch.kind, serviceId: ch.serviceId, node: ch.node }
  const keys = { dial: keyPublic, accept: ch.keyPublic }
  const proof = linkProof(SECRET, 'dial', nonce, ch.nonce, HOSTILE, acceptor, keys)
  c.send(0, LinkAuth.msgId, 2, LinkAuth.encode({ proof }))
  await c.until(() => c.frames.some((f) => f.msgId === LinkAuthOk.msgId))
  if (!c.frames.some((f) => f.msgId === LinkAuthOk.msgId)) throw new Error('the link did not come up')
  c.frames.length = 0
  return c
}

/** One post-handshake frame: any flags and request id, a handled id or any id, an Echo-like or random body. */
const linkFrame = fc
  .tuple(
    flags,
    fc.oneof(fc.constantFrom(Echo.msgId, KICK, 3, ...handshakeIds), fc.integer({ min: 0, max: 0xffffffff })),
    fc.integer({ min: 0, max: 0xfffffff }),
    fc.oneof(
      fc.string({ maxLength: 40 }).map((text) => Echo.encode(Echo.create({ text }))),
      bytes(200),
    ),
  )
  .map(([flags, msgId, reqId, body]) => ({ flags, msgId, reqId, body }))

describe('cluster link fuzz: after the handshake', () => {
  const run = fuzzRun(100, 0.2)
  it(
    'answers or refuses any frame from an authenticated peer with documented codes; the link or a new one keeps working',
    async () => {
      let tried = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(linkFrame, { minLength: 1, maxLength: 8 }),
          tailBytes(32),
          fc.boolean(),
          async (frames, tail, encrypted) => {
            tried++
            const c = await rawLink(encrypted)
            const from = logger.lines.length
            for (const f of frames) c.send(f.flags, f.msgId, f.reqId, f.body)
            c.write(tail)
            // A well-formed request last: on a clear link that is still up it is answered.
            const probe = 0xfffffff + 1
            c.send(0, Echo.msgId, probe, Echo.encode(Echo.create({ text: 'probe' })))
            const answered = await c.until(() => c.frames.some((f) => f.reqId === probe), 10_000)
            if (!answered || encrypted) {
              // Closed (garbage framing, frames not sealed, a cap): the acceptor said why.
              c.close()
              await released(from)
            }
            const seen = linesSince(from)
            expect(seen.errors).toEqual([])
            expectDocumented(seen.codes, 'acceptor log')
            expectDocumented(toldCodes(c), 'told the peer')
            if (answered && !encrypted) {
              const reply = c.frames.find((f) => f.reqId === probe)!
              // The probe's reqId is above any the peer used, so the reply is the probe's own.
              expect(reply.flags & FrameFlag.ERROR).toBe(0)
              expect(Echo.decode(reply.body).text).toBe('echo:probe')
              c.close()
              await released(from)
            }
          },
        ),
        run.params,
      )
      await legitimateRequest(502)
      reportFuzz('cluster link, post-handshake frames', run, tried)
    },
    run.timeoutMs,
  )
})
