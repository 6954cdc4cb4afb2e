import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { TimerWheel } from '../timer/timer-wheel.js'
import { decodeMinimalReason } from './control.js'
import {
  type EchoApp,
  echoApp,
  MSG_ECHO,
  MSG_LOGIN,
  RawTcpClient,
  sleep,
  tcpFrame,
} from './fixtures/net-fixtures.js'
import type { NetLimitsInput } from './limits.js'

// The net layer's deadlines run on the scheduler it is given, here a wheel on
// a ManualClock: nothing is swept by hand (autoSweep stays on), so each test
// goes red if the sweep, or the timer it needs, is taken off the wheel.

let app: EchoApp | undefined
afterEach(async () => {
  await app?.server.close()
  app = undefined
})

function manualApp(limits: NetLimitsInput) {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock })
  app = echoApp({ clock, timers: wheel, limits: { sweepIntervalMs: 100, ...limits } })
  /** Move time on and run what fell due, as the wheel's driver would. */
  const step = (ms: number) => {
    clock.advance(ms)
    wheel.advance()
  }
  return { app, clock, wheel, step }
}

/** Real-time wait for socket events (bounded); time on the manual clock never moves by itself. */
async function waitFor(pred: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!pred() && Date.now() < end) await sleep(5)
  return pred()
}

describe('net deadlines on an injected timer wheel', () => {
  it('the handshake deadline fires when the manual clock passes it, not before', async () => {
    const { app, step } = manualApp({ client: { handshakeTimeoutMs: 1000, idleTimeoutMs: 0 } })
    const port = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const c = await RawTcpClient.open(port)
    expect(await waitFor(() => app.sessions.length === 1)).toBe(true)
    step(900)
    await sleep(50)
    expect(c.closed).toBe(false)
    step(100)
    expect(await waitFor(() => c.closed)).toBe(true)
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_HANDSHAKE_TIMEOUT')
  })

  it('the idle timeout fires on the manual clock; traffic moves it', async () => {
    const { app, step } = manualApp({ client: { idleTimeoutMs: 5000, handshakeTimeoutMs: 0 } })
    const port = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const c = await RawTcpClient.open(port)
    expect(await waitFor(() => app.sessions.length === 1)).toBe(true)
    step(4000)
    expect(await c.echo(1, 'alive')).toBe('alive') // received at 4000: idle until 9000
    step(4900)
    await sleep(50)
    expect(c.closed).toBe(false)
    step(100)
    expect(await waitFor(() => c.closed)).toBe(true)
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_IDLE_TIMEOUT')
  })

  it('a sweep that runs late (the process stalled) cuts no peer for the stall, only for silence before it', async () => {
    const { app, step } = manualApp({ client: { idleTimeoutMs: 5000, handshakeTimeoutMs: 0 } })
    const port = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const quiet = await RawTcpClient.open(port)
    expect(await waitFor(() => app.sessions.length === 1)).toBe(true)
    for (let t = 0; t < 4000; t += 100) step(100)
    const talker = await RawTcpClient.open(port)
    expect(await waitFor(() => app.sessions.length === 2)).toBe(true)
    for (let t = 4000; t < 4900; t += 100) step(100)
    // The process stalls for 6 s: no sweep runs, nothing is read. When it
    // wakes, the sweep runs before the frames that waited are read.
    step(6000)
    await sleep(50)
    expect(talker.closed).toBe(false)
    // `quiet` was already silent for 5 s when the sweep was due: cut.
    expect(await waitFor(() => quiet.closed)).toBe(true)
    expect(app.sessions[0]!.closeReason?.code).toBe('NET_IDLE_TIMEOUT')
    // The talker's frame, sent during the stall, is read now: it lives on.
    expect(await talker.echo(1, 'after the stall')).toBe('after the stall')
    step(100)
    await sleep(50)
    expect(talker.closed).toBe(false)
  })

  it('a connecting side heartbeats when the manual clock passes the interval', async () => {
    const { app, step } = manualApp({ service: { heartbeatIntervalMs: 1000, handshakeTimeoutMs: 0 } })
    const port = (await app.server.listen('tcp://127.0.0.1:0', 'service')).address.port
    await app.server.connect(`tcp://127.0.0.1:${port}`, 'service')
    expect(await waitFor(() => app.sessions.length === 2)).toBe(true)
    const inbound = app.sessions.find((s) => !s.initiator)!
    const before = inbound.lastRecvAt
    step(900)
    await sleep(50)
    expect(inbound.lastRecvAt).toBe(before)
    step(100)
    expect(await waitFor(() => inbound.lastRecvAt === before + 1000)).toBe(true)
  })

  it('the per-frame deadline cuts a peer stuck mid-frame, with a Kick naming NET_FRAME_TIMEOUT', async () => {
    const { app, step } = manualApp({
      client: { frameTimeoutMs: 300, idleTimeoutMs: 0, handshakeTimeoutMs: 0 },
    })
    const port = (await app.server.listen('tcp://127.0.0.1:0', 'client')).address.port
    const c = await RawTcpClient.open(port)
    c.send(0, MSG_LOGIN, 1, '')
    expect(await c.until(() => c.frames.length === 1)).toBe(true)
    c.write(tcpFrame(0, MSG_ECHO, 2, 'x'.repeat(100)).subarray(0, 20))
    const s = app.sessions[0]!
    expect(await waitFor(() => s.conn.midFrame === true)).toBe(true)
    step(100) // the sweep marks the partial frame
    step(200)
    await sleep(50)
    expect(c.closed).toBe(false)
    step(200) // 300 ms after the mark
    expect(await waitFor(() => c.closed)).toBe(true)
    const kick = c.frames.find((f) => f.msgId === 5)
    expect(kick && decodeMinimalReason(kick.body).code).toBe('NET_FRAME_TIMEOUT')
    expect(app.server.counters.frameTimeouts).toBe(1)
  })

  it('stops sweeping at close: the wheel keeps no timer of a closed server', async () => {
    const { app, wheel } = manualApp({})
    expect(wheel.size).toBe(1) // the sweep
    await app.server.close()
    expect(wheel.size).toBe(0)
  })
})
