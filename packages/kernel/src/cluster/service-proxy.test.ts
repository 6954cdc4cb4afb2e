import { Echo } from '@tessera/protocol'
import type { MessageType, Writer } from '@tessera/wire'
import { afterEach, describe, expect, it } from 'vitest'
import { TesseraError } from '../errors/index.js'
import { meshOf, startNode, type TestNode } from './fixtures/nodes.js'
import { TcpClusterTransport } from './tcp-transport.js'
import { ServiceStates } from './wire.js'

const nodes: TestNode[] = []
async function node(
  kind: string,
  serviceId: number,
  opts: Parameters<typeof startNode>[1] = {},
): Promise<TestNode> {
  const n = await startNode({ kind, serviceId, node: 'n1' }, opts)
  nodes.push(n)
  return n
}
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.proxy.close()
})

const echo = (text: string) => Echo.create({ text })
const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('ServiceProxy', () => {
  it('answers requests routed by service id and round-robins service id 0 over a kind', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    const b = await node('logic', 11)
    for (const n of [a, b])
      n.proxy.handle(Echo, Echo, (m, link) =>
        echo(`${m.text}@${n.info.serviceId} from ${link.peer.serviceId}`),
      )
    meshOf([gw, a, b])
    expect((await gw.proxy.request(10, Echo, echo('hi'), Echo)).text).toBe('hi@10 from 1')
    expect((await gw.proxy.request({ kind: 'logic', id: 11 }, Echo, echo('hi'), Echo)).text).toBe(
      'hi@11 from 1',
    )
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++)
      seen.add((await gw.proxy.request({ kind: 'logic' }, Echo, echo('x'), Echo)).text)
    expect([...seen].sort()).toEqual(['x@10 from 1', 'x@11 from 1'])
  })

  it('round-robin skips a DRAINING service, and drain() waits for requests being handled', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    const b = await node('logic', 11)
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    for (const n of [a, b])
      n.proxy.handle(Echo, Echo, async (m) => {
        if (m.text === 'slow') await gate
        return echo(`${m.text}@${n.info.serviceId}`)
      })
    meshOf([gw, a, b])
    // a is handling a slow request when it starts draining.
    const slow = gw.proxy.request(10, Echo, echo('slow'), Echo)
    await until(() => a.proxy.inflightRequests === 1)
    const draining = { ...a.info, state: ServiceStates.DRAINING }
    gw.proxy.membership.merge([draining])
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++)
      seen.add((await gw.proxy.request({ kind: 'logic' }, Echo, echo('rr'), Echo)).text)
    expect([...seen]).toEqual(['rr@11'])
    expect(await a.proxy.drain(20)).toBe(false)
    const drained = a.proxy.drain(5000)
    release()
    expect(await drained).toBe(true)
    expect((await slow).text).toBe('slow@10')
    expect(a.proxy.inflightRequests).toBe(0)
  })

  it('delivers notifications in order and broadcasts to every service of a kind', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    const b = await node('logic', 11)
    const got: Record<number, number[]> = { 10: [], 11: [] }
    for (const n of [a, b]) n.proxy.on(Echo, (m) => got[n.info.serviceId]!.push(m.seq))
    meshOf([gw, a, b])
    for (let i = 1; i <= 500; i++) gw.proxy.notify(10, Echo, Echo.create({ seq: i }))
    expect(gw.proxy.broadcast('logic', Echo, Echo.create({ seq: 9999 }))).toBe(2)
    await until(() => got[10]!.length === 501 && got[11]!.length === 1)
    expect(got[10]!.slice(0, 500)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    expect(got[11]).toEqual([9999])
  })

  it('encodes straight into frames: an unencodable message fails unsent, the link keeps serving', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    const seen: string[] = []
    a.proxy.handle(Echo, Echo, (m) => {
      seen.push(m.text)
      // An answer the encoder refuses goes back as an error, not as a broken frame.
      return m.text === 'bad answer' ? Echo.create({ sentAtMs: 'x' as unknown as bigint }) : m
    })
    meshOf([gw, a])
    const bad = Echo.create({ text: 'bad request', sentAtMs: 'x' as unknown as bigint })
    // The link is not up yet: encoded for the dial backlog.
    await expect(gw.proxy.request(10, Echo, bad, Echo)).rejects.toThrow(/BigInt/)
    expect((await gw.proxy.request(10, Echo, echo('one'), Echo)).text).toBe('one')
    const sent = gw.proxy.stats.requestsSent
    // The link is up: encoded into the outbound frame.
    await expect(gw.proxy.request(10, Echo, bad, Echo)).rejects.toThrow(/BigInt/)
    expect(gw.proxy.stats.requestsSent).toBe(sent)
    expect(() => gw.proxy.notify(10, Echo, bad)).toThrow(/BigInt/)
    await expect(gw.proxy.request(10, Echo, echo('bad answer'), Echo)).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
    })
    expect((await gw.proxy.request(10, Echo, echo('two'), Echo)).text).toBe('two')
    expect(seen).toEqual(['one', 'bad answer', 'two'])
    expect(gw.proxy.stats.requestsSent).toBe(sent + 2)
  })

  it('answers a request whose body does not parse with CLUSTER_BAD_BODY (decoded in place)', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    let handled = 0
    a.proxy.handle(Echo, Echo, (m) => {
      handled++
      return m
    })
    meshOf([gw, a])
    // Echo's id with raw bytes for a body: field 2 (bytes) claims 50 bytes, the body has 2.
    const raw: MessageType<Uint8Array> = {
      ...(Echo as unknown as MessageType<Uint8Array>),
      encode: (b) => b,
      encodeScratch: (b) => ({ buf: b, pos: b.length, release() {} }) as unknown as Writer,
      encodeInto: (b, target, at) => {
        if (at + b.length > target.length) return -1
        target.set(b, at)
        return at + b.length
      },
    }
    const broken = new Uint8Array([0x12, 50, 1, 2])
    // Once queued for the dial, once on the open link.
    for (let i = 0; i < 2; i++)
      await expect(gw.proxy.request(10, raw, broken, Echo)).rejects.toMatchObject({
        code: 'CLUSTER_BAD_BODY',
      })
    expect(handled).toBe(0)
    expect((await gw.proxy.request(10, Echo, echo('fine'), Echo)).text).toBe('fine')
  })

  it('returns a remote error with its own code, and CLUSTER_NO_HANDLER for an unhandled request', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    a.proxy.handle(Echo, Echo, () => {
      throw new TesseraError('PROFILE_NICKNAME_TAKEN', 'taken')
    })
    const c = await node('chat', 20)
    meshOf([gw, a, c])
    await expect(gw.proxy.request(10, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'PROFILE_NICKNAME_TAKEN',
      message: 'taken',
    })
    await expect(gw.proxy.request(20, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_NO_HANDLER',
    })
  })

  it('fails at once for an unknown service id or an empty kind', async () => {
    const gw = await node('gateway', 1)
    meshOf([gw])
    await expect(gw.proxy.request(99, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_UNKNOWN_SERVICE',
    })
    await expect(gw.proxy.request({ kind: 'logic' }, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_NO_SERVICE',
    })
    expect(() => gw.proxy.notify({ kind: 'logic' }, Echo, echo('x'))).toThrow(/no live service of kind logic/)
  })

  it('times out a request whose handler never answers', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    a.proxy.handle(Echo, Echo, () => new Promise<Echo>(() => {}))
    meshOf([gw, a])
    await expect(gw.proxy.request(10, Echo, echo('x'), Echo, { timeoutMs: 150 })).rejects.toMatchObject({
      code: 'CLUSTER_TIMEOUT',
    })
    expect(gw.proxy.stats.timeouts).toBe(1)
  })

  it('fails pending requests at once when the peer goes away, and when the center drops it', async () => {
    const gw = await node('gateway', 1)
    const a = await node('logic', 10)
    const b = await node('logic', 11)
    for (const n of [a, b]) n.proxy.handle(Echo, Echo, () => new Promise<Echo>(() => {}))
    meshOf([gw, a, b])
    // Settled promises (caught now) so a rejection before the assertion is not "unhandled".
    const p1 = gw.proxy.request(10, Echo, echo('x'), Echo, { timeoutMs: 10_000 }).catch((e: unknown) => e)
    const p2 = gw.proxy.request(11, Echo, echo('x'), Echo, { timeoutMs: 10_000 }).catch((e: unknown) => e)
    await until(() => a.proxy.stats.messagesReceived === 1 && b.proxy.stats.messagesReceived === 1)
    // Their timeouts are 10 s: the codes show they failed on the event, not on a timer.
    await a.proxy.close()
    expect(await p1).toMatchObject({ code: 'CLUSTER_LINK_LOST' })
    gw.proxy.membership.drop(11)
    expect(await p2).toMatchObject({ code: 'CLUSTER_PEER_GONE' })
    await expect(gw.proxy.request(11, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_UNKNOWN_SERVICE',
    })
  })

  it('redials with backoff and delivers notifications queued while the peer was down', async () => {
    const gw = await node('gateway', 1, { proxy: { backoff: { baseMs: 50, maxMs: 200 } } })
    const a = await node('logic', 10)
    const port = Number(a.info.addresses[0]!.split(':').pop())
    const got: number[] = []
    a.proxy.on(Echo, (m) => got.push(m.seq))
    meshOf([gw, a])
    gw.proxy.notify(10, Echo, Echo.create({ seq: 1 }))
    await until(() => got.length === 1)
    await a.proxy.close()
    nodes.splice(nodes.indexOf(a), 1)
    await until(() => !(gw.proxy.state().channels as { up: boolean }[])[0]!.up)
    // While it is down: requests fail fast, notifications wait.
    await expect(gw.proxy.request(10, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_UNREACHABLE',
    })
    gw.proxy.notify(10, Echo, Echo.create({ seq: 2 }))
    gw.proxy.notify(10, Echo, Echo.create({ seq: 3 }))
    await new Promise((r) => setTimeout(r, 300))
    const a2 = await node('logic', 10, { port })
    const got2: number[] = []
    a2.proxy.handle(Echo, Echo, (m) => {
      got2.push(m.seq)
      return m
    })
    await until(() => got2.length === 2, 5000)
    expect(got2).toEqual([2, 3])
    got2.length = 0
    expect((await gw.proxy.request(10, Echo, echo('back'), Echo)).text).toBe('back')
    expect(gw.proxy.stats.dialFailures).toBeGreaterThan(0)
  })
})

describe('ServiceProxy links that carry traffic one way', () => {
  it('a link that only carries notifications stays up: the dialer heartbeats on receive silence', async () => {
    // Heartbeat 200 ms, idle deadline 600 ms, swept every 50 ms on both sides.
    const limits = { sweepIntervalMs: 50, service: { heartbeatIntervalMs: 200, idleTimeoutMs: 600 } }
    const gw = await node('gateway', 1, { limits })
    const login = await node('login', 100, { limits })
    const got: number[] = []
    login.proxy.on(Echo, (m) => got.push(m.seq))
    meshOf([gw, login])
    // A notification every 100 ms for 1.5 s: the gateway never sends-silent, login never answers.
    for (let i = 1; i <= 15; i++) {
      gw.proxy.notify(100, Echo, Echo.create({ seq: i }))
      await new Promise((r) => setTimeout(r, 100))
    }
    await until(() => got.length === 15)
    const downs = [...gw.logger.lines, ...login.logger.lines].filter(
      (l) => l.msg === 'cluster: link down' || l.msg === 'cluster: the peer closes the link',
    )
    expect(downs).toEqual([])
    expect(gw.transport.net.size).toBe(1)
  })

  it('a peer that closes a link says why; the other side logs it as such, not as an unknown notification', async () => {
    // The dialer sends no heartbeats; the accepting side cuts its silent link after 300 ms.
    const gw = await node('gateway', 1, { limits: { service: { heartbeatIntervalMs: 0, idleTimeoutMs: 0 } } })
    const login = await node('login', 100, {
      limits: { sweepIntervalMs: 50, service: { heartbeatIntervalMs: 0, idleTimeoutMs: 300 } },
    })
    const got: number[] = []
    login.proxy.on(Echo, (m) => got.push(m.seq))
    meshOf([gw, login])
    gw.proxy.notify(100, Echo, Echo.create({ seq: 1 }))
    await until(() => got.length === 1)
    await until(() => gw.logger.lines.some((l) => l.msg === 'cluster: the peer closes the link'))
    const line = gw.logger.lines.find((l) => l.msg === 'cluster: the peer closes the link')!
    expect(line.level).toBe('info')
    expect(line.obj).toMatchObject({ reason: 'NET_IDLE_TIMEOUT', peer: { kind: 'login', serviceId: 100 } })
    expect(gw.logger.lines.some((l) => l.msg === 'cluster: notification without a handler')).toBe(false)
  })
})

describe('ServiceProxy.close', () => {
  it('is shared: a second caller gets the same promise, settled only once the links are closed', async () => {
    const a = await node('gateway', 30)
    const b = await node('logic', 31)
    b.proxy.handle(Echo, Echo, (m) => m)
    meshOf([a, b])
    expect((await a.proxy.request(31, Echo, echo('up'), Echo)).text).toBe('up')
    expect(a.transport.net.size).toBeGreaterThan(0)
    const first = a.proxy.close()
    const second = a.proxy.close()
    expect(second).toBe(first)
    await second
    expect(a.transport.net.size).toBe(0)
  })
})

describe('TcpClusterTransport authentication', () => {
  it('refuses a peer without the cluster secret, both ways, and logs it', async () => {
    const good = await node('logic', 10)
    good.proxy.handle(Echo, Echo, (m) => m)
    const bad = await node('gateway', 66, { secret: 'not-the-cluster-secret!' })
    meshOf([good, bad])
    // The impostor dials: the acceptor checks its proof and refuses.
    await expect(bad.proxy.request(10, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_AUTH_FAILED',
    })
    // A member dials the impostor: the impostor cannot prove the secret.
    await expect(good.proxy.request(66, Echo, echo('x'), Echo)).rejects.toMatchObject({
      code: 'CLUSTER_AUTH_FAILED',
    })
    await until(() => good.logger.lines.some((l) => l.msg === 'cluster: peer refused'))
    const line = good.logger.lines.find((l) => l.msg === 'cluster: peer refused')!
    expect(line.obj).toMatchObject({ ip: '127.0.0.1', code: 'CLUSTER_AUTH_FAILED' })
    expect(good.proxy.stats.messagesReceived).toBe(0)
  })

  it('refuses a raw service session that sends a message before the handshake', async () => {
    const good = await node('logic', 10)
    good.proxy.on(Echo, () => {
      throw new Error('must not be called')
    })
    const raw = new TcpClusterTransport({
      identity: { kind: 'x', serviceId: 5, node: 'evil' },
      secret: 'whatever-secret-1234',
    })
    try {
      const s = await raw.net.connect(good.info.addresses[0]!, 'service')
      s.data = { phase: 'ok' }
      s.send(0, Echo.msgId, 0, Echo.encode(echo('sneak')))
      await s.whenClosed()
      expect(s.closeReason).not.toBeNull()
      await until(() => good.logger.lines.some((l) => l.msg === 'cluster: peer refused'))
      expect(good.proxy.stats.messagesReceived).toBe(0)
    } finally {
      await raw.close()
    }
  })
})
