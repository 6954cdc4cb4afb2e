// Rotating the cluster secret without a restart, on real TcpClusterTransports
// over loopback: a node holding two secrets links with peers that hold
// either (in clear and encrypted, keys from the secret the link proved), a
// node without the old secret refuses it, and a three-node cluster goes
// through the whole rotation (secret files reloaded, links old and new
// carrying messages at every step) until only a stale node is refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { until } from '@tessera/testkit'
import { LinkAuth, LinkAuthOk, LinkChallenge, LinkHello } from '@tessera/wire'
import { afterEach, describe, expect, it } from 'vitest'
import type { TesseraError } from '../errors/index.js'
import { decodeMinimalReason, FrameFlag, type InboundFrame, MemoryLogger, NetServer } from '../net/index.js'
import { ClusterSecretSource } from './cluster-secret-source.js'
import type { ClusterSecrets } from './cluster-secrets.js'
import { linkProof, newNonce, type PeerIdentity } from './link-auth.js'
import { clusterControlCodec, TcpClusterTransport } from './tcp-transport.js'
import type { Link } from './transport.js'

const OLD = 'the-old-cluster-secret-0123456789'
const NEW = 'the-new-cluster-secret-9876543210'
const GAME_MSG = 1000

const closers: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

interface Node {
  id: PeerIdentity
  t: TcpClusterTransport
  address: string
  up: Link[]
  down: TesseraError[]
  got: string[]
  logger: MemoryLogger
}

async function node(
  serviceId: number,
  secret: string | readonly string[] | ClusterSecrets,
  encrypt = false,
): Promise<Node> {
  const id = { kind: 'logic', serviceId, node: `node-${serviceId}` }
  const logger = new MemoryLogger()
  const t = new TcpClusterTransport({ identity: id, secret, encrypt, logger, dialTimeoutMs: 5000 })
  const n: Node = { id, t, address: '', up: [], down: [], got: [], logger }
  t.bind({
    onLinkUp: (l) => n.up.push(l),
    onLinkDown: (_l, reason) => n.down.push(reason),
    onFrame: (_l, f) => n.got.push(Buffer.from(f.body).toString()),
  })
  n.address = await t.listen('tcp://127.0.0.1:0')
  closers.push(() => t.close())
  return n
}

/** Send `text` on `link` and wait until `to` has it. */
async function carries(link: Link, to: Node, text: string): Promise<void> {
  expect(link.isOpen).toBe(true)
  link.send(0, GAME_MSG, 0, Buffer.from(text))
  await until(() => to.got.includes(text), 10_000, `"${text}" at ${to.id.serviceId}`)
}

/** Dial `to` from `from`; both ways carry a message. Returns both ends. */
async function linkUp(from: Node, to: Node, tag: string): Promise<{ out: Link; in: Link }> {
  const before = to.up.length
  const out = await from.t.dial(to.address)
  await until(() => to.up.length > before, 10_000, `${tag}: inbound link`)
  const inbound = to.up[to.up.length - 1]!
  await carries(out, to, `${tag} out`)
  await carries(inbound, from, `${tag} back`)
  return { out, in: inbound }
}

/** The `secret` index the last link-up line logged (which of that side's secrets the link proved). */
function provedIndex(n: Node): unknown {
  const up = n.logger.lines.filter((l) => l.msg?.startsWith('cluster: link up'))
  return (up[up.length - 1]?.obj as { secret?: number } | undefined)?.secret
}

function refusals(n: Node): number {
  return n.logger.lines.filter((l) => l.msg === 'cluster: peer refused').length
}

describe('cluster secret rotation: a node with two secrets', () => {
  for (const encrypt of [false, true]) {
    it(`accepts a dialer with the old and one with the new secret, both links carry messages (encrypted: ${encrypt})`, async () => {
      const a = await node(1, [OLD, NEW], encrypt)
      const b = await node(2, [OLD], encrypt)
      const c = await node(3, [NEW], encrypt)
      await linkUp(b, a, 'b->a')
      expect(provedIndex(a)).toBe(0)
      await linkUp(c, a, 'c->a')
      // The acceptor keyed this link from its second secret, the one C proved
      // (keyed from its first, an encrypted link could not carry a frame).
      expect(provedIndex(a)).toBe(1)
      // And A dials both: it proves the one each acceptor has.
      await linkUp(a, b, 'a->b')
      expect(provedIndex(a)).toBe(0)
      await linkUp(a, c, 'a->c')
      expect(provedIndex(a)).toBe(1)
      expect([a, b, c].map(refusals)).toEqual([0, 0, 0])
    })

    it(`a dialer that prefers the new secret proves the old one when the acceptor has only that (encrypted: ${encrypt})`, async () => {
      const d = await node(4, [NEW, OLD], encrypt)
      const e = await node(5, [OLD], encrypt)
      await linkUp(d, e, 'd->e')
      expect(provedIndex(d)).toBe(1)
      expect(provedIndex(e)).toBe(0)
    })
  }
})

describe('cluster secret rotation: a node without the old secret', () => {
  it('refuses a dialer with only the old secret (CLUSTER_AUTH_FAILED), no link up', async () => {
    const a = await node(1, [NEW])
    const b = await node(2, [OLD])
    await expect(b.t.dial(a.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
    // A holder of the old secret alone cannot check A's proof: it stops there, proving nothing.
    const reasons = b.logger.lines.map((l) => (l.obj as { reason?: string }).reason ?? '')
    expect(reasons.some((r) => r.includes('does not have the cluster secret'))).toBe(true)
    expect(a.up).toEqual([])
    expect(b.up).toEqual([])
  })

  it('refuses, with CLUSTER_AUTH_FAILED on the wire, a dialer that goes on and proves the old secret', async () => {
    const a = await node(1, [NEW])
    const evil: PeerIdentity = { kind: 'gateway', serviceId: 66, node: 'node-x' }
    const frames: InboundFrame[] = []
    const net = new NetServer({
      handler: { onMessage: (_s, f) => void frames.push(f) },
      control: clusterControlCodec,
    })
    closers.push(() => net.close())
    const s = await net.connect(a.address, 'service')
    const nonce = newNonce()
    s.send(0, LinkHello.msgId, 1, LinkHello.encode({ ...evil, nonce, keyPublic: new Uint8Array(0) }))
    await until(() => frames.some((f) => f.msgId === LinkChallenge.msgId), 10_000, 'the challenge')
    const ch = LinkChallenge.decode(frames.find((f) => f.msgId === LinkChallenge.msgId)!.body)
    expect(ch.moreProofs).toEqual([]) // one secret: one proof
    const peer = { kind: ch.kind, serviceId: ch.serviceId, node: ch.node }
    s.send(
      0,
      LinkAuth.msgId,
      2,
      LinkAuth.encode({ proof: linkProof(OLD, 'dial', nonce, ch.nonce, evil, peer) }),
    )
    await s.whenClosed()
    const refusal = frames.find((f) => (f.flags & FrameFlag.ERROR) !== 0)
    expect(refusal && decodeMinimalReason(refusal.body).code).toBe('CLUSTER_AUTH_FAILED')
    expect(frames.some((f) => f.msgId === LinkAuthOk.msgId)).toBe(false)
    expect(a.up).toEqual([])
    expect(refusals(a)).toBe(1)
  })
})

describe('cluster secret rotation: a three-node cluster, no restart', () => {
  it('goes old → old+new → new+old → new with secret files reloaded, every link carrying messages, only a stale node refused at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-rotation-'))
    closers.push(() => rmSync(dir, { recursive: true, force: true }))
    const files = [1, 2, 3].map((i) => join(dir, `node-${i}.secrets`))
    const write = (f: string, secrets: string[]) =>
      writeFileSync(f, `${secrets.join('\n')}\n`, { mode: 0o600 })
    for (const f of files) write(f, [OLD])
    const logger = new MemoryLogger()
    const sources = await Promise.all(
      files.map((secretFile) =>
        ClusterSecretSource.open({ secretFile }, { logger, signal: null, watch: false }),
      ),
    )
    for (const s of sources) closers.push(() => s.close())
    // Encrypted links: a key derived from any secret but the one proven would show as a closed link.
    const nodes = await Promise.all(sources.map((s, i) => node(i + 1, s.secrets, true)))
    const links: { link: Link; to: Node }[] = []
    const allPairs = async (tag: string) => {
      for (const from of nodes)
        for (const to of nodes)
          if (from !== to) {
            const l = await linkUp(from, to, `${tag} ${from.id.serviceId}->${to.id.serviceId}`)
            links.push({ link: l.out, to }, { link: l.in, to: from })
          }
    }
    // Every link made so far, the first ones (proven with the old secret) included, still carries a message.
    let round = 0
    const everyLinkCarries = async () => {
      round++
      await Promise.all(links.map(({ link, to }, i) => carries(link, to, `round ${round} link ${i}`)))
    }
    const step = async (tag: string, secrets: string[]) => {
      // One node at a time, as an operator would, with links made and used between each reload.
      for (const [i, f] of files.entries()) {
        write(f, secrets)
        expect(await sources[i]!.reload()).toBe(true)
        await allPairs(`${tag} after node ${i + 1}`)
        await everyLinkCarries()
      }
    }

    await allPairs('start')
    await step('step 1', [OLD, NEW])
    await step('step 2', [NEW, OLD])
    // Now every node prefers the new secret: links prove it.
    await allPairs('step 2 done')
    for (const n of nodes) expect(provedIndex(n)).toBe(0)
    await step('step 3', [NEW])
    expect(nodes.map((n) => n.down)).toEqual([[], [], []])
    expect(nodes.map(refusals)).toEqual([0, 0, 0])
    expect(sources.map((s) => s.secrets.generation)).toEqual([4, 4, 4])

    // A node left on the old secret alone is refused both ways; nothing else is.
    const stale = await node(9, [OLD], true)
    await expect(stale.t.dial(nodes[0]!.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
    await expect(nodes[1]!.t.dial(stale.address)).rejects.toMatchObject({ code: 'CLUSTER_AUTH_FAILED' })
    expect(stale.up).toEqual([])
    await everyLinkCarries()
    expect(nodes.map((n) => n.down)).toEqual([[], [], []])
  })
})
