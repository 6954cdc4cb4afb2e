import { deflateRawSync } from 'node:zlib'
import { Compression, Echo, ErrorReply, GateIpRulesGet, Handshake, HandshakeOk } from '@tessera/protocol'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { until } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'
import { handshakeBody } from '../support/raw-handshake.js'
import { RawTcp } from '../support/raw-tcp.js'

// A clear, uncompressed game frame is read in place from the socket chunk
// (InboundFrame range → decodeRange, no body view); a compressed or sealed
// one is opened first (codec.open → a body of its own). Both must give the
// handler exactly what `Echo.decode(body)` gives (the path every frame used
// to take), and refuse exactly the bodies it refuses — with several frames
// per read, so bodies lie mid-chunk, and behind the async Echo handler, so
// queued messages keep their range past the read.

const COMPRESSED = 0x01
const RESPONSE = 0x04
const ERROR = 0x08

let srv: TestServer | null = null
afterEach(async () => {
  await srv?.close()
  srv = null
})

/** Valid Echo bodies and arbitrary bytes (which may or may not parse as an Echo). */
const body = fc.oneof(
  fc
    .record({
      text: fc.string({ maxLength: 40 }).filter((t) => !t.startsWith('sleep:')),
      payload: fc.uint8Array({ maxLength: 300 }),
      seq: fc.nat(),
      sentAtMs: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    })
    .map((m) => Echo.encode(Echo.create(m))),
  fc.uint8Array({ maxLength: 48 }),
)

/** What the old path answered: the echo of `Echo.decode(b)`, or null when that throws. */
function expected(b: Uint8Array): Uint8Array | null {
  try {
    return Echo.encode(Echo.decode(b))
  } catch {
    return null
  }
}

async function openSession(compression: boolean): Promise<RawTcp> {
  const raw = await RawTcp.open(srv!.tcpUrl.port)
  raw.send(
    0,
    Handshake.msgId,
    1,
    handshakeBody(srv!.tokens.sign(7n, 60_000), {
      compression: compression ? [Compression.COMPRESSION_DEFLATE_RAW] : [],
    }),
  )
  await until(() => raw.frames.length === 1)
  expect(raw.frames[0]!.msgId).toBe(HandshakeOk.msgId)
  raw.frames.length = 0
  return raw
}

/** Send every body (compressed when asked) in one write and check each answer against {@link expected}. */
async function roundTrip(raw: RawTcp, bodies: Uint8Array[], compress: boolean): Promise<void> {
  raw.frames.length = 0
  raw.sendMany(
    bodies.map((b, i) => ({
      flags: compress ? COMPRESSED : 0,
      msgId: Echo.msgId,
      reqId: i + 1,
      body: compress ? deflateRawSync(b) : b,
    })),
  )
  const answers = () => raw.frames.filter((f) => (f.flags & RESPONSE) !== 0)
  await until(() => answers().length === bodies.length, 10_000, 'all answers')
  for (const f of answers()) {
    const want = expected(bodies[f.reqId - 1]!)
    if (want === null) {
      expect(f.flags & ERROR).toBe(ERROR)
      expect(ErrorReply.decode(f.body).name).toBe('WIRE_BAD_BODY')
    } else {
      expect(f.flags & ERROR).toBe(0)
      // A compressing session may deflate the answer (above its threshold).
      const got = f.flags & COMPRESSED ? (await import('node:zlib')).inflateRawSync(f.body) : f.body
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true)
    }
  }
}

describe('edge typed path (bodies read in place)', () => {
  it('answers clear frames exactly as decoding a copied body would (fuzzed, several per read)', async () => {
    srv = await startTestServer()
    const raw = await openSession(false)
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 12 }), (bodies) =>
        roundTrip(raw, bodies, false),
      ),
      { numRuns: 40 },
    )
    // Bad bodies only failed their requests: the session is still there.
    expect(srv.edge.size).toBe(1)
    expect(raw.closed).toBe(false)
    raw.destroy()
  })

  it('gives the same answers for compressed frames (opened first) on a compressing session', async () => {
    srv = await startTestServer()
    const raw = await openSession(true)
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 8 }), fc.boolean(), (bodies, compress) =>
        roundTrip(raw, bodies, compress),
      ),
      { numRuns: 30 },
    )
    expect(raw.closed).toBe(false)
    raw.destroy()
  })

  it('refuses a clear server-only message even when routed, as open() did (CODEC_UNKNOWN_MESSAGE)', async () => {
    srv = await startTestServer()
    let handled = 0
    // A handler for a server-only id: only the registry check keeps clients from reaching it.
    srv.edge.route(GateIpRulesGet, () => {
      handled++
      return {}
    })
    const raw = await openSession(false)
    raw.send(0, GateIpRulesGet.msgId, 3, new Uint8Array(0))
    raw.send(0, Echo.msgId, 4, Echo.encode(Echo.create({ text: 'after' })))
    await until(() => raw.frames.some((f) => f.reqId === 4))
    const f = raw.frames.find((x) => x.reqId === 3)!
    expect(f.flags & (RESPONSE | ERROR)).toBe(RESPONSE | ERROR)
    const e = ErrorReply.decode(f.body)
    expect(e.name).toBe('WIRE_UNKNOWN_MESSAGE')
    expect(e.message).toBe(`unknown message id ${GateIpRulesGet.msgId}`)
    expect(handled).toBe(0)
    raw.destroy()
  })
})
