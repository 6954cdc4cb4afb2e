// A logout stampede against a real login node (one process, as the bots
// bench runs it, real MariaDB): every player of a run logs out in the same
// second when it winds down. Every logout must go through. (With one
// transaction per logout, their statements queued past the database pool's
// 1,000 waiting calls: 976 to 992 of 2,000 got LOGIN_UNAVAILABLE here.)
import { serverUrl, sql, withDatabase } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const GOOD = 'correct horse battery'
/** The bots bench's wind-down: 2,000 players, each logging out as the run ends. */
const N = 2000
/** The bench's bots come from 250 loopback addresses; so do these. */
const from = (i: number) => `127.0.1.${(i % 250) + 1}`

/** Run `fn` over 0..n-1, `width` at a time. */
async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++)
    }),
  )
}

describe(`a stampede of ${N} logouts`, () => {
  let node: LoginNode
  const sessions: string[] = []

  beforeAll(async () => {
    node = await startLoginNode({
      processes: 1,
      login: { limits: { register: { limit: 10_000_000 } } },
    })
    const gw = node.gateways[0]!
    // Players online at the gateway (their hand-offs redeemed), as the bench's bots are.
    await pool(N, 16, async (i) => {
      const account = `storm_${i}`
      const reg = await post(node.http, '/v1/register', { account, password: GOOD }, from(i))
      if (reg.status !== 200) throw new Error(`register ${account}: ${JSON.stringify(reg.body)}`)
      const r = await post(node.http, '/v1/login', { account, password: GOOD }, from(i))
      if (r.status !== 200) throw new Error(`login ${account}: ${JSON.stringify(r.body)}`)
      await gw.redeem((r.body.handoff as { token: string }).token)
      sessions[i] = r.body.sessionToken as string
    })
  }, 600_000)
  afterAll(() => node?.stop(), 60_000)

  it('logs every player out, none refused', async () => {
    const t0 = performance.now()
    const answers = await Promise.all(
      sessions.map((sessionToken, i) =>
        post(node.http, '/v1/logout', { sessionToken }, from(i)).then(
          (r) => (r.status === 200 ? 'OK' : (r.body.error?.code ?? `HTTP_${r.status}`)),
          (err: Error) => `NETWORK ${err.message}`,
        ),
      ),
    )
    const codes: Record<string, number> = {}
    for (const a of answers) codes[a] = (codes[a] ?? 0) + 1
    console.log(`${N} logouts in ${Math.round(performance.now() - t0)} ms: ${JSON.stringify(codes)}`)
    expect(codes).toEqual({ OK: N })
    // Every one is offline for login's admission count too. (The kicks to
    // the gateway are best effort: on a loaded box the test center, with its
    // 600 ms heartbeat timeout, may drop the gateway member meanwhile.)
    const [online] = await sql<{ n: number }[]>(
      withDatabase(await serverUrl(), node.database),
      'SELECT COUNT(*) AS n FROM online_sessions',
    )
    expect(Number(online?.n)).toBe(0)
  }, 300_000)
})
