// The memory guard in real processes (docs/operations.md, "Memory guard"):
// the test grows the V8 heap of a running gateway or login process past its
// configured threshold through the process's inspector, and lets it go
// again. Over, the gateway refuses new sessions with WIRE_OVERLOADED while
// the sessions it holds play on and resume; login queues every login with a
// position. Back under, new sessions are taken and queued players admitted.
import { TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { Echo, WireError } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { Inspector, inspectorUrls } from '../support/inspector.js'
import { rawHandshake } from '../support/raw-handshake.js'
import type { ServiceProc } from './support/game-cluster.js'
import { cuttable, type LoginAnswer, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const MiB = 1024 * 1024
/** Both thresholds: well above an idle process's heap, reached only by the test's ballast. */
const HEAP_THRESHOLD = 192 * MiB
const OVER = 'memory guard: over the threshold; new work is held back'
const UNDER = 'memory guard: back under the threshold; new work taken again'

/** Wait for a log line with message `msg` logged after line `from`. */
function logged(proc: ServiceProc, from: number, msg: string): Promise<void> {
  return until(() => proc.lines.slice(from).some((l) => l.msg === msg), 60_000, `${proc.name}: "${msg}"`)
}

/** A process's admin address, from its log. */
async function adminOf(proc: ServiceProc): Promise<string> {
  const l = await proc.waitFor((j) => j.msg === 'admin endpoint listening', 30_000, 'admin address')
  return l.address as string
}

async function guardOver(admin: string, scope: string): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`)).text()
  const m = new RegExp(`^tessera_memory_guard_over\\{scope="${scope}"[^}]*\\} (\\d+)$`, 'm').exec(text)
  if (!m) throw new Error(`no tessera_memory_guard_over for ${scope} in:\n${text.slice(0, 2000)}`)
  return Number(m[1])
}

/** Grow the inspected process past the threshold, from a settled heap well under it. */
async function pushOver(insp: Inspector): Promise<void> {
  const before = await insp.settledMemory()
  expect(before.heapUsed, 'an idle process sits well under the threshold').toBeLessThan(HEAP_THRESHOLD * 0.7)
  expect(await insp.growHeapTo(HEAP_THRESHOLD + 16 * MiB)).toBeGreaterThanOrEqual(HEAP_THRESHOLD)
}

function echo(c: TesseraClient, text: string): Promise<Echo> {
  return c.request(Echo, { text, seq: 1 }, { response: Echo, timeoutMs: 30_000 })
}

/** A new player at the hand-off's gateway (no reconnects). */
function player(h: LoginAnswer['handoff']): TesseraClient {
  return new TesseraClient({ socket: handoffTcp(h), token: h.token, reconnect: false })
}

/** Connect with the hand-off, get an echo answered, leave. */
async function playOnce(h: LoginAnswer['handoff'], text: string): Promise<void> {
  const p = player(h)
  await p.connect()
  expect((await echo(p, text)).text).toBe(text)
  await p.close()
}

describe('memory guard', () => {
  const cluster = useGameCluster({
    serviceAdmin: true,
    serviceNodeArgs: ['--inspect=127.0.0.1:0'],
    gatewayArgs: [
      '--gateway.memoryGuard.heapBytes',
      String(HEAP_THRESHOLD),
      '--gateway.memoryGuard.sampleMs',
      '100',
    ],
    loginArgs: [
      '--login.memoryGuard.heapBytes',
      String(HEAP_THRESHOLD),
      '--login.memoryGuard.sampleMs',
      '100',
    ],
  })

  it('over its threshold, a gateway refuses new sessions with WIRE_OVERLOADED; held ones echo and resume', async () => {
    const c = cluster()
    const gw = c.gateways.get(201)!
    const admin = await adminOf(gw.proc)
    const held = newAccount('held')
    await register(c, held)
    const heldIn = await login(c, held)
    const sock = cuttable(handoffTcp(heldIn.handoff))
    const opens: boolean[] = []
    const a = new TesseraClient({
      socket: sock.factory,
      token: heldIn.handoff.token,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    })
    a.on('open', (e) => opens.push(e.resumed))
    await a.connect()
    expect((await echo(a, 'before')).text).toBe('before')
    const fresh = newAccount('fresh')
    await register(c, fresh)

    const insp = await Inspector.open(inspectorUrls(gw.proc.stderr)[0]!)
    try {
      expect(await guardOver(admin, 'gateway#201')).toBe(0)
      const from = gw.proc.lines.length
      await pushOver(insp)
      await logged(gw.proc, from, OVER)
      expect(await guardOver(admin, 'gateway#201')).toBe(1)

      // A new session: refused at the handshake, before its token is redeemed.
      const answer = await login(c, fresh)
      const raw = await rawHandshake(answer.handoff.ws![0]!, { token: answer.handoff.token })
      expect(raw.error).toMatchObject({ code: WireError.WIRE_OVERLOADED, name: 'WIRE_OVERLOADED' })
      const b = player(answer.handoff)
      await expect(b.connect()).rejects.toMatchObject({
        code: 'WIRE_OVERLOADED',
        wireCode: WireError.WIRE_OVERLOADED,
      })

      // The session held plays on, and a drop resumes (a resume is not a new session).
      expect((await echo(a, 'while over')).text).toBe('while over')
      sock.cut()
      await until(() => opens.length === 2, 30_000, 'the resume')
      expect(opens).toEqual([false, true])
      expect((await echo(a, 'resumed while over')).text).toBe('resumed while over')

      // Back under resumeRatio of the threshold: new sessions are taken again.
      const back = gw.proc.lines.length
      await insp.releaseHeap()
      await logged(gw.proc, back, UNDER)
      expect(await guardOver(admin, 'gateway#201')).toBe(0)
      await playOnce((await login(c, fresh)).handoff, 'after')
    } finally {
      await insp.releaseHeap().catch(() => {})
      insp.close()
      await a.close()
    }
  }, 180_000)

  it('over its threshold, login queues every login with a position and admits the queue once back under', async () => {
    const c = cluster()
    // The login worker (not its node:cluster primary) runs the service and its guard.
    let insp: Inspector | undefined
    for (const url of inspectorUrls(c.login.stderr)) {
      const i = await Inspector.open(url)
      if (await i.evaluate<boolean>('process.env.LOGIN_WORKER_INDEX !== undefined')) insp = i
      else i.close()
    }
    if (!insp) throw new Error(`no login worker inspector in: ${c.login.stderr.slice(-2000)}`)
    const first = newAccount('q1')
    const second = newAccount('q2')
    await register(c, first)
    await register(c, second)
    try {
      const from = c.login.lines.length
      await pushOver(insp)
      await logged(c.login, from, OVER)

      // No online cap is set: only the guard queues them, in arrival order.
      const q1 = (await login(c, first)) as LoginAnswer & { queue?: { ticket: string; position: number } }
      const q2 = (await login(c, second)) as typeof q1
      expect(q1.handoff).toBeUndefined()
      expect(q1.queue?.position).toBe(1)
      expect(q2.queue?.position).toBe(2)
      expect(await c.api('queue/poll', { ticket: q1.queue!.ticket })).toEqual({ position: 1 })

      const back = c.login.lines.length
      await insp.releaseHeap()
      await logged(c.login, back, UNDER)
      const in1 = await c.api<{ position: number; handoff?: LoginAnswer['handoff'] }>('queue/poll', {
        ticket: q1.queue!.ticket,
      })
      const in2 = await c.api<typeof in1>('queue/poll', { ticket: q2.queue!.ticket })
      expect(in1.position).toBe(0)
      expect(in2.position).toBe(0)
      // The admitted player gets in and plays.
      await playOnce(in1.handoff!, 'admitted')
    } finally {
      await insp.releaseHeap().catch(() => {})
      insp.close()
    }
  }, 180_000)
})
