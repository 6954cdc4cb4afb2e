// The login node's processes: kill -9 of one worker leaves the other
// serving on the same port, the primary starts a replacement, and SIGTERM
// to the primary stops every worker gracefully.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LoginNode, post, startLoginNode } from './support/login-node.js'

const GOOD = 'correct horse battery'

describe('login processes (node:cluster)', () => {
  let node: LoginNode
  beforeAll(async () => {
    node = await startLoginNode({ processes: 2 })
  }, 90_000)
  afterAll(() => node?.stop(), 60_000)

  const fronts = () =>
    node
      .output()
      .split('\n')
      .filter((l) => l.includes('login: front listening')).length

  it('keeps serving through kill -9 of a worker and replaces it', async () => {
    expect((await post(node.http, '/v1/register', { account: 'survivor', password: GOOD })).status).toBe(200)
    // Workers are listed in the order they logged their ports, not by index: match the victim by pid.
    const [victim] = node.workers
    process.kill(victim!, 'SIGKILL')
    // Once the primary has seen the death (a connection handed to the dead
    // worker before that is lost with it), the other worker answers every
    // request while the replacement starts.
    await expect
      .poll(
        () => new RegExp(`login worker \\d+ \\(pid ${victim}\\) exited \\(SIGKILL\\)`).test(node.output()),
        { timeout: 10_000 },
      )
      .toBe(true)
    for (let i = 0; i < 10; i++) {
      const r = await post(node.http, '/v1/login', { account: 'survivor', password: GOOD })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
    }
    await expect.poll(fronts, { timeout: 120_000, interval: 200 }).toBe(3)
    const r = await post(node.http, '/v1/login', { account: 'survivor', password: GOOD })
    expect(r.status).toBe(200)
  }, 180_000)

  it('stops every worker gracefully on SIGTERM to the primary', async () => {
    const exited = new Promise<number | null>((r) => node.child.once('exit', (code) => r(code)))
    node.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    const out = node.output()
    expect(out).toContain('login primary: SIGTERM, stopping 2 workers')
    expect(out.match(/"msg":"login(-\d)? stopped"/g)?.length).toBe(2)
  }, 60_000)
})
