// Slow-ish suite (a few seconds): 10,000 connect/disconnect cycles must
// leave no file descriptor, session or memory behind.
import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { Dispatcher } from './dispatcher.js'
import { fdCount, MSG_ECHO, RawTcpClient, sleep, tcpFrame } from './fixtures/net-fixtures.js'
import { NetServer } from './net-server.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Heap after garbage collection has settled: the smallest of a few
 * collect-and-wait rounds (one round can land beside a burst of unrelated
 * allocation: timers, the test runner's own reporting).
 */
async function settledHeap(): Promise<number> {
  let min = Number.POSITIVE_INFINITY
  for (let i = 0; i < 5; i++) {
    gc()
    await sleep(20)
    min = Math.min(min, process.memoryUsage().heapUsed)
  }
  return min
}

let server: NetServer | undefined
afterAll(async () => {
  await server?.close()
})

function cycle(port: number, mode: number): Promise<void> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.on('error', () => {})
    s.on('close', () => res())
    s.resume() // read the echo of mode 1, or the stream never ends
    s.on('connect', () => {
      if (mode === 0) s.destroy()
      else if (mode === 1) s.end(tcpFrame(0, MSG_ECHO, 1, 'bye'))
      else if (mode === 2) s.resetAndDestroy()
      else {
        s.write(tcpFrame(0, MSG_ECHO, 1, 'x').subarray(0, 7))
        setImmediate(() => s.destroy())
      }
    })
  })
}

describe('connection churn', () => {
  it('10,000 connect/disconnect cycles leave no fd, session or heap growth', {
    timeout: 120_000,
  }, async () => {
    // No test fixture that keeps sessions or log lines: anything retained here would be a leak.
    let closes = 0
    let doubleCloses = 0
    const seen = new WeakSet<object>()
    const d = new Dispatcher({
      onClose: (s) => {
        closes++
        if (seen.has(s)) doubleCloses++
        seen.add(s)
      },
    }).on(MSG_ECHO, (s, f) => void s.reply(f, f.body))
    // The healthy client stays silent through the churn; on a loaded machine the churn can outlast
    // the 45 s idle default and the 10 s handshake deadline (it never authenticates), and either
    // cut would then be counted as a churn close.
    server = new NetServer({
      handler: d,
      limits: { acceptRatePerSec: 0, client: { idleTimeoutMs: 600_000, handshakeTimeoutMs: 600_000 } },
    })
    const app = { server }
    const port = (await server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const healthy = await RawTcpClient.open(port)
    // It speaks first: a connection that never sent a frame is pending, and
    // the churn from its own address would evict it (maxPendingPerIp).
    expect(await healthy.echo(9, 'first')).toBe('first')
    // Warm up so lazily created internals exist before the baseline.
    for (let i = 0; i < 200; i++) await cycle(port, i % 4)
    await sleep(50)
    const heap0 = await settledHeap()
    const fd0 = await fdCount()
    const total = 10_000
    const parallel = 50
    const started = Date.now()
    let next = 0
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total && Date.now() - started < 100_000) await cycle(port, next++ % 4)
      }),
    )
    expect(next).toBe(total)
    for (let i = 0; i < 1000 && app.server.size > 1; i++) await sleep(10)
    expect(app.server.size).toBe(1)
    expect(app.server.counters.released).toBe(app.server.counters.accepted - 1)
    await sleep(50)
    const heap1 = await settledHeap()
    const fd1 = await fdCount()
    expect(fd1 - fd0).toBeLessThanOrEqual(2)
    // 8 MiB of slack for a loaded runner; a leak of 1 KiB per connection is 10 MB here and still fails.
    expect(heap1 - heap0).toBeLessThan(8 * 1024 * 1024)
    // Resets that land before the accept callback never become sessions (no peer address).
    expect(closes).toBe(app.server.counters.accepted - 1)
    expect(closes).toBeGreaterThan(total / 2)
    expect(doubleCloses).toBe(0)
    expect(await healthy.echo(1, 'alive')).toBe('alive')
    healthy.close()
  })
})

describe('WebSocket churn', () => {
  it('2,000 upgrade/close cycles (clean close, terminate, reset) leave no fd or session behind', {
    timeout: 60_000,
  }, async () => {
    let closes = 0
    const d = new Dispatcher({ onClose: () => void closes++ }).on(MSG_ECHO, (s, f) => void s.reply(f, f.body))
    const ws = new NetServer({ handler: d, limits: { acceptRatePerSec: 0 } })
    const port = (await ws.listen('ws://127.0.0.1:0', 'client')).address.port
    const { WebSocket } = await import('ws')
    const cycle = (mode: number) =>
      new Promise<void>((res) => {
        const c = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false })
        c.on('error', () => {})
        c.on('close', () => res())
        c.on('open', () => {
          if (mode === 0) c.close(1000)
          else if (mode === 1) c.terminate()
          else (c as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy()
        })
      })
    for (let i = 0; i < 50; i++) await cycle(i % 3)
    await sleep(50)
    const fd0 = await fdCount()
    let next = 0
    const started = Date.now()
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < 2000 && Date.now() - started < 50_000) await cycle(next++ % 3)
      }),
    )
    expect(next).toBe(2000)
    for (let i = 0; i < 200 && ws.size > 0; i++) await sleep(10)
    expect(ws.size).toBe(0)
    expect(closes).toBe(ws.counters.accepted)
    await sleep(50)
    expect((await fdCount()) - fd0).toBeLessThanOrEqual(2)
    await ws.close()
  })
})
