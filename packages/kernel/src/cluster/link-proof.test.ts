// Hostile peers that go all the way through the cluster link handshake
// (LinkHello → LinkChallenge → LinkAuth → LinkAuthOk) with a wrong, a
// replayed and a reflected proof, against a real TcpClusterTransport on
// each side: as the acceptor (the hostile side dials) and as the dialer
// (the hostile side accepts). Each case must end refused, with no link up,
// whether the real side holds one secret or two (a rotation window: the
// real secret first or second).
import { LinkAuth, LinkAuthOk, LinkChallenge, LinkHello } from '@tessera/wire'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FrameFlag, type InboundFrame, NetServer, type Session } from '../net/index.js'
import { linkProof, newNonce, type PeerIdentity } from './link-auth.js'
import { clusterControlCodec, TcpClusterTransport } from './tcp-transport.js'
import type { Link } from './transport.js'

const SECRET = 'the-cluster-secret-0123456789'
const WRONG = 'not-the-secret-but-long-enough'
/** The other secret of a rotation window; the hostile side does not know it. */
const OTHER = 'the-other-rotation-secret-0123456789'
const real: PeerIdentity = { kind: 'logic', serviceId: 10, node: 'node-a' }
const evil: PeerIdentity = { kind: 'gateway', serviceId: 66, node: 'node-x' }
/** No link key: these peers ask for a link in clear. */
const NONE = new Uint8Array(0)

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

/** What the real side holds in each run of the suites below. */
let secrets: string[] = [SECRET]

/** A real transport whose link-up events are recorded. */
async function realTransport(identity = real) {
  const t = new TcpClusterTransport({ identity, secret: secrets, dialTimeoutMs: 3000 })
  const up: Link[] = []
  t.bind({ onLinkUp: (l) => up.push(l), onLinkDown() {}, onFrame() {} })
  const address = await t.listen('tcp://127.0.0.1:0')
  closers.push(() => t.close())
  return { t, up, address }
}

/** A raw net endpoint speaking cluster frames, driven by the test. */
function rawNet(onMessage: (s: Session, f: InboundFrame) => void) {
  const net = new NetServer({ handler: { onMessage }, control: clusterControlCodec })
  closers.push(() => net.close())
  return net
}

/** Dial `address` as a hostile peer; resolves with the acceptor's challenge and a way to answer it. */
async function hostileDial(address: string, nonce = newNonce(), claim = evil) {
  let challenge!: (f: InboundFrame) => void
  const frames: InboundFrame[] = []
  const gotChallenge = new Promise<InboundFrame>((r) => {
    challenge = r
  })
  const net = rawNet((_s, f) => {
    frames.push(f)
    if (f.msgId === LinkChallenge.msgId) challenge(f)
  })
  const s = await net.connect(address, 'service')
  s.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...claim, nonce, keyPublic: NONE }))
  const ch = LinkChallenge.decode((await gotChallenge).body)
  return { s, ch, frames, nonce }
}

/** Send LinkAuth with `proof`; resolves with what came back before the session closed. */
async function answer(h: Awaited<ReturnType<typeof hostileDial>>, proof: Uint8Array) {
  h.s.send(0, LinkAuth.msgId, 2, LinkAuth.encode({ proof }))
  await h.s.whenClosed()
  const ok = h.frames.some((f) => f.msgId === LinkAuthOk.msgId)
  const refusal = h.frames.find((f) => (f.flags & FrameFlag.ERROR) !== 0)
  return { ok, refused: refusal !== undefined }
}

/** A LinkChallenge in clear from `who` (proofs beyond the first in `more`). */
function challenge(
  who: PeerIdentity,
  nonce: Uint8Array,
  proof: Uint8Array,
  more: Uint8Array[] = [],
): LinkChallenge {
  return { ...who, nonce, proof, keyPublic: NONE, moreProofs: more }
}

/** A hostile acceptor: answers each LinkHello with the challenge `make` returns. */
async function hostileAcceptor(
  make: (hello: LinkHello, s: Session) => Promise<LinkChallenge> | LinkChallenge,
) {
  const auths: Uint8Array[] = []
  const net = rawNet((s, f) => {
    if (f.msgId === LinkHello.msgId) {
      const hello = LinkHello.decode(f.body)
      void Promise.resolve(make(hello, s)).then((ch) =>
        s.send(FrameFlag.RESPONSE, LinkChallenge.msgId, f.reqId, LinkChallenge.encode(ch)),
      )
    } else if (f.msgId === LinkAuth.msgId) {
      // The dialer was fooled: it proved itself to us. Finish the link.
      auths.push(LinkAuth.decode(f.body).proof)
      s.send(FrameFlag.RESPONSE, LinkAuthOk.msgId, f.reqId, LinkAuthOk.encode({}))
    }
  })
  const l = await net.listen('tcp://127.0.0.1:0', 'service')
  return { address: `tcp://${l.address.host}:${l.address.port}`, auths }
}

const HOLDINGS: [string, string[]][] = [
  ['one secret', [SECRET]],
  ['the real secret, then another', [SECRET, OTHER]],
  ['another secret, then the real one', [OTHER, SECRET]],
]

for (const [name, held] of HOLDINGS) {
  describe(`cluster link: the acceptor checks the dialer proof (holding ${name})`, () => {
    beforeEach(() => {
      secrets = held
    })
    it('refuses a dialer that answers with a proof made with the wrong secret', async () => {
      const { up, address } = await realTransport()
      const h = await hostileDial(address)
      const peer = { kind: h.ch.kind, serviceId: h.ch.serviceId, node: h.ch.node }
      const r = await answer(h, linkProof(WRONG, 'dial', h.nonce, h.ch.nonce, evil, peer))
      expect(r).toEqual({ ok: false, refused: true })
      expect(up).toEqual([])
    })

    it('refuses a proof replayed from an earlier handshake (valid for other nonces)', async () => {
      const { up, address } = await realTransport()
      const h = await hostileDial(address)
      const peer = { kind: h.ch.kind, serviceId: h.ch.serviceId, node: h.ch.node }
      // What an eavesdropper kept from a genuine earlier link: made with the real secret, for other nonces.
      const old = linkProof(SECRET, 'dial', newNonce(), newNonce(), evil, peer)
      const r = await answer(h, old)
      expect(r).toEqual({ ok: false, refused: true })
      expect(up).toEqual([])
    })

    it("refuses the acceptor's own proof reflected back as the dialer's", async () => {
      const { up, address } = await realTransport()
      const h = await hostileDial(address)
      // The one it made with the secret the hostile side is after.
      const r = await answer(h, [h.ch.proof, ...h.ch.moreProofs][held.indexOf(SECRET)]!)
      expect(r).toEqual({ ok: false, refused: true })
      expect(up).toEqual([])
    })

    it('refuses a dialer claiming to be the acceptor itself (how a reflection of its own dial starts)', async () => {
      const { up, address } = await realTransport()
      const frames: InboundFrame[] = []
      const net = rawNet((_s, f) => frames.push(f))
      const s = await net.connect(address, 'service')
      s.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...real, nonce: newNonce(), keyPublic: NONE }))
      await s.whenClosed()
      expect(frames.some((f) => f.msgId === LinkChallenge.msgId)).toBe(false)
      expect(frames.some((f) => (f.flags & FrameFlag.ERROR) !== 0)).toBe(true)
      expect(up).toEqual([])
    })

    it('sanity: the same hostile client with the real secret gets the link (so the refusals above are the proof check)', async () => {
      const { up, address } = await realTransport()
      const h = await hostileDial(address)
      const peer = { kind: h.ch.kind, serviceId: h.ch.serviceId, node: h.ch.node }
      h.s.send(
        0,
        LinkAuth.msgId,
        2,
        LinkAuth.encode({ proof: linkProof(SECRET, 'dial', h.nonce, h.ch.nonce, evil, peer) }),
      )
      await expect.poll(() => h.frames.some((f) => f.msgId === LinkAuthOk.msgId)).toBe(true)
      expect(up).toHaveLength(1)
      await h.s.close()
    })
  })

  describe(`cluster link: the dialer checks the acceptor proof (holding ${name})`, () => {
    beforeEach(() => {
      secrets = held
    })
    it('refuses an acceptor whose proof is made with the wrong secret', async () => {
      const { t } = await realTransport()
      const h = await hostileAcceptor((hello) => {
        const nonce = newNonce()
        return challenge(evil, nonce, linkProof(WRONG, 'accept', hello.nonce, nonce, real, evil))
      })
      await expect(t.dial(h.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
      expect(h.auths).toEqual([])
    })

    it('refuses an acceptor replaying a proof from an earlier handshake', async () => {
      const { t } = await realTransport()
      const nonce = newNonce()
      // A genuine accept proof kept from an earlier link (another dial nonce).
      const old = linkProof(SECRET, 'accept', newNonce(), nonce, real, evil)
      const h = await hostileAcceptor(() => challenge(evil, nonce, old))
      await expect(t.dial(h.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
      expect(h.auths).toEqual([])
    })

    it('refuses an acceptor claiming to be the dialer itself, even with the proof a reflection would yield', async () => {
      const { t, up } = await realTransport()
      const h = await hostileAcceptor((hello) => {
        const nonce = newNonce()
        // Exactly what the dialer's own listener would answer to its own hello.
        return challenge(real, nonce, linkProof(SECRET, 'accept', hello.nonce, nonce, real, real))
      })
      await expect(t.dial(h.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
      expect(h.auths).toEqual([])
      expect(up).toEqual([])
    })

    it("refuses a reflection end to end: the hostile acceptor relays the dialer's hello to the dialer's own listener", async () => {
      const { t, up, address: realListener } = await realTransport()
      const h = await hostileAcceptor(async (hello, s) => {
        // Dial the real service's own listener claiming to be it, with its own nonce,
        // and hand its challenge back as ours. (It refuses: the relay gets nothing.)
        const relay = await Promise.race([
          hostileDial(realListener, Buffer.from(hello.nonce), real),
          new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no challenge')), 1500)),
        ]).catch(() => undefined)
        if (relay === undefined) void s.close()
        return relay?.ch ?? challenge(real, newNonce(), new Uint8Array(32))
      })
      await expect(t.dial(h.address)).rejects.toMatchObject({ code: expect.stringMatching(/^CLUSTER_/) })
      expect(h.auths).toEqual([])
      expect(up).toEqual([])
    })

    it('refuses an acceptor sending more proofs than a process may hold secrets, a good one among them', async () => {
      const { t } = await realTransport()
      const h = await hostileAcceptor((hello) => {
        const nonce = newNonce()
        const good = linkProof(SECRET, 'accept', hello.nonce, nonce, real, evil)
        const junk = [1, 2, 3, 4].map(() => newNonce())
        return challenge(evil, nonce, junk[0]!, [...junk.slice(1), good])
      })
      await expect(t.dial(h.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
      expect(h.auths).toEqual([])
    })

    it('sanity: an acceptor proving the real secret (among junk) gets the dialer proof made with that secret', async () => {
      const { t } = await realTransport()
      let want: Buffer | undefined
      const h = await hostileAcceptor((hello) => {
        const nonce = newNonce()
        const good = linkProof(SECRET, 'accept', hello.nonce, nonce, real, evil)
        want = linkProof(SECRET, 'dial', hello.nonce, nonce, real, evil)
        return challenge(evil, nonce, newNonce(), [good])
      })
      const link = await t.dial(h.address)
      expect(h.auths.map((a) => Buffer.from(a).toString('hex'))).toEqual([want!.toString('hex')])
      await link.close()
    })
  })
}
