// Draining a gateway (POST /admin/gateways/drain, the admin page's "Drain"):
// the gateway reports DRAINING so login hands it no more players, closes its
// client ports, and moves its clients away with Kick{KICK_SHUTDOWN}; their
// sessions linger at logic, so the same players log in again at the other
// gateway and play on. The other gateway is untouched.
import { connect } from 'node:net'
import { KickReason, ProfileGet, ProfileGetRes } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, loginAt, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

/** Whether a TCP connection to `port` is refused (the port is closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', () => resolve(true))
  })
}

describe('draining a gateway', () => {
  const cluster = useGameCluster({ gateways: [201, 202] })

  it('moves its clients to the other gateway and takes no new ones; undrain takes players again', async () => {
    const c = cluster()
    const account = newAccount('drn')
    await register(c, account)
    const first = await loginAt(c, account, 201)
    const client = clientFor(first.handoff, 'tcp')
    const kicks: { reason: number; message: string }[] = []
    client.on('kicked', (k) => kicks.push({ reason: k.reason, message: k.message }))
    await client.connect()
    const stay = newAccount('stay')
    await register(c, stay)
    const stayer = clientFor((await loginAt(c, stay, 202)).handoff, 'tcp')
    await stayer.connect()
    try {
      const bad = await c.admin<{ error: { code: string } }>('/admin/gateways/drain', { serviceId: 999 })
      expect(bad.status).toBe(400)
      expect(bad.json.error.code).toBe('CENTER_BAD_ADMIN_REQUEST')
      expect((await c.admin('/admin/gateways/drain', { serviceId: 201 }, null)).status).toBe(401)

      const closed = new Promise<unknown>((r) => client.on('close', (e) => r(e.error)))
      const r = await c.admin<{ gateways: { serviceId: number; affected: number }[]; unanswered: number[] }>(
        '/admin/gateways/drain',
        { serviceId: 201, message: 'maintenance: moving you' },
      )
      expect(r.status).toBe(200)
      expect(r.json.unanswered).toEqual([])
      // Only the drained gateway got it.
      expect(r.json.gateways).toEqual([{ serviceId: 201, affected: 1 }])
      expect(await closed).toMatchObject({ code: 'CLIENT_KICKED' })
      expect(kicks).toEqual([{ reason: KickReason.KICK_SHUTDOWN, message: 'maintenance: moving you' }])

      // The center sees it DRAINING; its client port is closed.
      await until(
        async () => {
          const res = await fetch(`${c.centerAdmin}/admin/cluster`)
          const v = (await res.json()) as { services: { serviceId: number; state: string | number }[] }
          const s = v.services.find((x) => x.serviceId === 201)
          return s !== undefined && (s.state === 4 || s.state === 'SERVICE_STATE_DRAINING')
        },
        10_000,
        'gateway 201 DRAINING at the center',
      )
      expect(await refused(c.gateways.get(201)!.tcp.port)).toBe(true)

      // Every new hand-off goes to 202 (login's view follows the center's push).
      await until(
        async () => (await login(c, account)).handoff.gatewayServiceId === 202,
        10_000,
        'a hand-off to 202',
      )
      for (let i = 0; i < 10; i++) expect((await login(c, account)).handoff.gatewayServiceId).toBe(202)

      // The moved player plays on at 202; the player already there never noticed.
      const moved = clientFor((await login(c, account)).handoff, 'tcp')
      await moved.connect()
      const p = await moved.request(
        ProfileGet,
        { userId: 0n },
        { response: ProfileGetRes, timeoutMs: 10_000 },
      )
      expect(p.profile).toBeDefined()
      await moved.close()
      const q = await stayer.request(
        ProfileGet,
        { userId: 0n },
        { response: ProfileGetRes, timeoutMs: 10_000 },
      )
      expect(q.profile).toBeDefined()

      // Undrain: the same port opens again, the center sees READY, login hands players to 201 again.
      const badUndrain = await c.admin<{ error: { code: string } }>('/admin/gateways/undrain', {
        serviceId: 999,
      })
      expect(badUndrain.status).toBe(400)
      expect((await c.admin('/admin/gateways/undrain', { serviceId: 201 }, null)).status).toBe(401)
      const u = await c.admin<{ gateways: { serviceId: number; affected: number }[]; unanswered: number[] }>(
        '/admin/gateways/undrain',
        { serviceId: 201 },
      )
      expect(u.status).toBe(200)
      expect(u.json).toMatchObject({ gateways: [{ serviceId: 201, affected: 1 }], unanswered: [] })
      expect(await refused(c.gateways.get(201)!.tcp.port)).toBe(false)
      await until(
        async () => {
          const res = await fetch(`${c.centerAdmin}/admin/cluster`)
          const v = (await res.json()) as { services: { serviceId: number; state: string | number }[] }
          const s = v.services.find((x) => x.serviceId === 201)
          return s !== undefined && (s.state === 3 || s.state === 'SERVICE_STATE_READY')
        },
        10_000,
        'gateway 201 READY again at the center',
      )
      // Login picks among READY gateways: within a few logins one lands on 201.
      let back: Awaited<ReturnType<typeof login>> | undefined
      await until(
        async () => {
          const l = await login(c, account)
          if (l.handoff.gatewayServiceId === 201) back = l
          return back !== undefined
        },
        20_000,
        'a hand-off to 201 again',
      )
      const returned = clientFor(back!.handoff, 'tcp')
      await returned.connect()
      const r2 = await returned.request(
        ProfileGet,
        { userId: 0n },
        { response: ProfileGetRes, timeoutMs: 10_000 },
      )
      expect(r2.profile).toBeDefined()
      await returned.close()
      // Not draining any more: a second undrain changes nothing.
      const again = await c.admin<{ gateways: { serviceId: number; affected: number }[] }>(
        '/admin/gateways/undrain',
        { serviceId: 201 },
      )
      expect(again.json.gateways).toEqual([{ serviceId: 201, affected: 0 }])
    } finally {
      await client.close()
      await stayer.close()
    }
  }, 180_000)
})
