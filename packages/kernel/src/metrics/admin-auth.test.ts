import { afterEach, describe, expect, it } from 'vitest'
import { type AdminServer, Metrics, sendJson, startAdminServer } from './index.js'

const open: AdminServer[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
})

const TOKEN = 'op-token-4f9a1c2e7b3d8a6f'

/** An admin endpoint with one POST route that counts its runs. */
async function serve(token: string | undefined): Promise<{ base: string; runs: () => number }> {
  let runs = 0
  const s = await startAdminServer({
    address: 'http://127.0.0.1:0',
    metrics: new Metrics({ processMetrics: false }),
    state: () => ({ ok: true }),
    token,
    routes: {
      'POST /admin/act': (_req, res) => {
        runs++
        sendJson(res, 200, { done: true })
      },
      'GET /admin/look': (_req, res) => sendJson(res, 200, { seen: true }),
    },
  })
  open.push(s)
  return { base: s.address, runs: () => runs }
}

const post = (url: string, authorization?: string) =>
  fetch(url, { method: 'POST', headers: authorization === undefined ? {} : { authorization }, body: '{}' })

describe('admin endpoint bearer token', () => {
  it('runs a POST route only with the right token; GET routes stay open', async () => {
    const { base, runs } = await serve(TOKEN)
    for (const auth of [
      undefined,
      '',
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
    ]) {
      const r = await post(`${base}/admin/act`, auth)
      expect(r.status, `authorization: ${auth}`).toBe(401)
      expect(r.headers.get('www-authenticate')).toContain('Bearer')
      const body = (await r.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('ADMIN_UNAUTHORIZED')
      expect(body.error.message).toMatch(/admin action refused: /)
    }
    expect(runs()).toBe(0)
    const ok = await post(`${base}/admin/act`, `Bearer ${TOKEN}`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ done: true })
    expect(runs()).toBe(1)
    expect((await fetch(`${base}/admin/look`)).status).toBe(200)
    expect((await fetch(`${base}/metrics`)).status).toBe(200)
  })

  it('refuses every POST route when no token is configured', async () => {
    const { base, runs } = await serve(undefined)
    const r = await post(`${base}/admin/act`, 'Bearer anything-at-all')
    expect(r.status).toBe(401)
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/no admin token/)
    expect(runs()).toBe(0)
  })
})
