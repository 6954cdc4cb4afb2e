import type { TesseraClient, TesseraClientError } from '@tessera/client'
import { ManualClock, TimerWheel } from '@tessera/kernel'
import { Echo, WireError } from '@tessera/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { clientFor, until } from '../support/clients.js'
import { killConnections, startTestServer, type TestServer } from '../support/edge-server.js'

// The edge's timers (handler deadline, resume grace) run on the scheduler it
// is given, here a wheel on a ManualClock: they fire when the test moves the
// clock, never on real time, so each test goes red if its timer is removed.

let srv: TestServer | undefined
const clients: TesseraClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {})
  await srv?.close()
  srv = undefined
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function manualWheel() {
  const clock = new ManualClock()
  const wheel = new TimerWheel({ clock })
  return {
    wheel,
    step(ms: number) {
      clock.advance(ms)
      wheel.advance()
    },
  }
}

describe('edge timers on an injected timer wheel', () => {
  it('answers WIRE_TIMEOUT when the manual clock passes the handler deadline, not on real time', async () => {
    const { wheel, step } = manualWheel()
    srv = await startTestServer({ timers: wheel, handlerTimeoutMs: 1000 })
    const c = clientFor(srv, 'tcp')
    clients.push(c)
    await c.connect()
    // 1.2 s of real time, but no time on the wheel: the handler answers.
    expect((await c.request(Echo, { text: 'sleep:1200' }, { timeoutMs: 10_000 })).text).toBe('sleep:1200')
    let err: unknown = null
    const pending = c.request(Echo, { text: 'sleep:3000' }, { timeoutMs: 10_000 }).then(
      () => 'answered',
      (e: unknown) => {
        err = e
        return 'failed'
      },
    )
    await until(() => srv!.echoes.get('sleep:3000') === 1, 3000, 'handler running')
    step(999)
    await sleep(50)
    expect(err).toBeNull()
    step(1)
    expect(await pending).toBe('failed')
    expect((err as TesseraClientError).wireCode).toBe(WireError.WIRE_TIMEOUT)
  })

  it('releases a lingering session when the manual clock passes the resume grace', async () => {
    const { wheel, step } = manualWheel()
    const ended: string[] = []
    srv = await startTestServer({
      timers: wheel,
      resumeGraceMs: 5000,
      onSessionEnd: (_s, reason) => ended.push(reason.code),
    })
    const c = clientFor(srv, 'tcp', { reconnect: false })
    clients.push(c)
    await c.connect()
    killConnections(srv.net)
    await until(() => srv!.net.size === 0, 3000, 'connection gone')
    await sleep(100)
    expect(srv.edge.size).toBe(1) // lingering, whatever the real time
    step(4999)
    await sleep(50)
    expect(ended).toEqual([])
    step(1)
    expect(ended).toEqual(['EDGE_GRACE_EXPIRED'])
    expect(srv.edge.size).toBe(0)
  })
})
