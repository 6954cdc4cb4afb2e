import { createServer, type Socket } from 'node:net'
import { Echo } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { TimerWheel } from '../timer/timer-wheel.js'
import { ClusterTimeout, ClusterUnreachable } from './errors.js'
import { meshOf, SECRET, startNode, type TestNode } from './fixtures/nodes.js'
import { TcpClusterTransport } from './tcp-transport.js'

// The cluster's deadlines run on the scheduler it is given, here a wheel on a
// ManualClock: each settles exactly when the manual clock passes it, so each
// test goes red if its timer is removed.

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

function manualWheel() {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock })
  const step = (ms: number) => {
    clock.advance(ms)
    wheel.advance()
  }
  return { clock, wheel, step }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Settles-state of a promise, for checking "not yet" without awaiting. */
function watch<T>(p: Promise<T>) {
  const w: { settled: boolean; value?: T; error?: unknown } = { settled: false }
  p.then(
    (v) => Object.assign(w, { settled: true, value: v }),
    (e: unknown) => Object.assign(w, { settled: true, error: e }),
  )
  return w
}

async function waitFor(pred: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!pred() && Date.now() < end) await sleep(5)
  return pred()
}

async function node(kind: string, serviceId: number, timers: TimerWheel): Promise<TestNode> {
  const n = await startNode({ kind, serviceId, node: 'n1' }, { proxy: { timers, timeoutMs: 2000 } })
  closers.push(() => n.proxy.close())
  return n
}

describe('cluster timeouts on an injected timer wheel', () => {
  it('a link whose peer accepts but never answers the handshake fails at the dial deadline', async () => {
    const sockets: Socket[] = []
    const silent = createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as { port: number }).port
    const { clock, wheel, step } = manualWheel()
    const t = new TcpClusterTransport({
      identity: { kind: 'logic', serviceId: 10, node: 'n1' },
      secret: SECRET,
      dialTimeoutMs: 3000,
      clock,
      timers: wheel,
    })
    t.bind({ onLinkUp() {}, onLinkDown() {}, onFrame() {} })
    closers.push(() => t.close())
    // Runs first (closers run in reverse): the transport's close then waits on no peer.
    closers.push(async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    })
    const dial = watch(t.dial(`tcp://127.0.0.1:${port}`))
    expect(await waitFor(() => sockets.length === 1)).toBe(true)
    step(2999)
    await sleep(50)
    expect(dial.settled).toBe(false)
    step(1)
    expect(await waitFor(() => dial.settled)).toBe(true)
    expect(ClusterUnreachable.is(dial.error)).toBe(true)
    expect((dial.error as Error).message).toContain('no handshake within 3000 ms')
  })

  it('a request the peer never answers fails with CLUSTER_TIMEOUT when the manual clock passes its timeout', async () => {
    const { wheel, step } = manualWheel()
    const caller = await node('gateway', 1, wheel)
    const peer = await node('logic', 10, wheel)
    peer.proxy.handle(Echo, Echo, () => new Promise<never>(() => {}))
    meshOf([caller, peer])
    const req = watch(caller.proxy.request(10, Echo, Echo.create({ text: 'hi' }), Echo))
    expect(await waitFor(() => peer.proxy.inflightRequests === 1)).toBe(true)
    step(1999)
    await sleep(50)
    expect(req.settled).toBe(false)
    step(1)
    expect(await waitFor(() => req.settled)).toBe(true)
    expect(ClusterTimeout.is(req.error)).toBe(true)
    expect(caller.proxy.stats.timeouts).toBe(1)
  })

  it('drain() gives up at its deadline on the manual clock while a request is still being handled', async () => {
    const { wheel, step } = manualWheel()
    const caller = await node('gateway', 1, wheel)
    const peer = await node('logic', 10, wheel)
    peer.proxy.handle(Echo, Echo, () => new Promise<never>(() => {}))
    meshOf([caller, peer])
    void caller.proxy.request(10, Echo, Echo.create({ text: 'hi' }), Echo).catch(() => {})
    expect(await waitFor(() => peer.proxy.inflightRequests === 1)).toBe(true)
    const drained = watch(peer.proxy.drain(1000))
    step(999)
    await sleep(50)
    expect(drained.settled).toBe(false)
    step(1)
    expect(await waitFor(() => drained.settled)).toBe(true)
    expect(drained.value).toBe(false)
  })
})
