import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CENTER_CHANNEL_ID, leaseMachineId, ManualClock, ServiceStates } from '@tessera/kernel'
import { clusterWire, Echo } from '@tessera/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CenterComponentIds } from './component-ids.js'
import {
  type CenterHandle,
  dropDatabases,
  SECRET,
  startCenter,
  startService,
  type TestService,
  until,
} from './fixtures/harness.js'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../../../tools/machine-id/src/cli.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const centers: CenterHandle[] = []
const services: TestService[] = []
async function center(over: Parameters<typeof startCenter>[0] = {}) {
  const c = await startCenter(over)
  centers.push(c)
  return c
}
async function service(...a: Parameters<typeof startService>) {
  const s = await startService(...a)
  services.push(s)
  return s
}
afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
  for (const c of centers.splice(0)) await c.close()
})
afterAll(dropDatabases)

describe('center registry', () => {
  it('registers services, pushes membership to each, and routes messages between them', async () => {
    const c = await center()
    const a = await service('logic', 10, c.address)
    a.proxy.handle(Echo, Echo, (m) => Echo.create({ text: `logic:${m.text}` }))
    const g = await service('gateway', 20, c.address)
    expect(g.proxy.membership.get(10)?.kind).toBe('logic')
    await until(() => a.proxy.membership.get(20) !== undefined, 2000, 'push to logic')
    expect((await g.proxy.request({ kind: 'logic' }, Echo, Echo.create({ text: 'hi' }), Echo)).text).toBe(
      'logic:hi',
    )
    const view = (await (await fetch(`${c.adminAddress}/admin/cluster`)).json()) as {
      services: { serviceId: number }[]
    }
    expect(view.services.map((s) => s.serviceId)).toEqual([10, 20])
    expect(await (await fetch(`${c.adminAddress}/metrics`)).text()).toContain(
      'tessera_center_services{kind="logic"',
    )
  })

  it('tells peers when a service leaves or crashes', async () => {
    const c = await center()
    const a = await service('logic', 10, c.address)
    const b = await service('logic', 11, c.address)
    const g = await service('gateway', 20, c.address)
    await until(() => g.proxy.membership.ofKind('logic').length === 2)
    await a.close()
    services.splice(services.indexOf(a), 1)
    await until(() => g.proxy.membership.get(10) === undefined, 2000, 'unregister pushed')
    // b crashes without a word (no unregister): its link closes and the
    // center drops it within a heartbeat interval, not a whole timeout.
    await b.proxy.close()
    await until(() => g.proxy.membership.get(11) === undefined, 3000, 'crash noticed')
  })

  it('starts a service only when the kinds it depends on have a ready service', async () => {
    const c = await center()
    const go: string[][] = []
    const gw = await service('gateway', 20, c.address, {
      state: ServiceStates.PREPARING,
      dependsOn: ['logic'],
      onStartupGo: (m) => go.push(m.readyKinds),
    })
    const logicGo: string[][] = []
    const logic = await service('logic', 10, c.address, {
      state: ServiceStates.PREPARING,
      onStartupGo: (m) => logicGo.push(m.readyKinds),
    })
    // logic depends on nothing: told to start at once; gateway waits for it.
    await until(() => logicGo.length === 1, 2000, 'logic told to start')
    await new Promise((r) => setTimeout(r, 300))
    expect(go).toEqual([])
    logic.info.state = ServiceStates.READY
    await logic.client.beat()
    await until(() => go.length === 1, 2000, 'gateway told to start')
    expect(go[0]).toEqual(['logic'])
    expect(gw.proxy.membership.get(10)?.state).toBe(ServiceStates.READY)
  })

  it('leases ownership with rising epochs and tells the previous owner to let go', async () => {
    const c = await center()
    const a = await service('logic', 10, c.address)
    const b = await service('logic', 11, c.address)
    const revoked: { key: string; epoch: bigint; newOwner: number }[] = []
    a.proxy.on(clusterWire.ownershipRevoked, (m) => revoked.push(m))
    const claim = (s: TestService) =>
      s.proxy.request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipClaim,
        { key: 'player:42', ownerServiceId: s.info.serviceId },
        clusterWire.ownershipClaimOk,
      )
    const first = await claim(a)
    const second = await claim(b)
    expect(second.epoch).toBe(first.epoch + 1n)
    expect(second.previousOwner).toBe(10)
    await until(() => revoked.length === 1)
    expect(revoked[0]).toMatchObject({ key: 'player:42', epoch: second.epoch, newOwner: 11 })
    const rel = (s: TestService, epoch: bigint) =>
      s.proxy.request(
        CENTER_CHANNEL_ID,
        clusterWire.ownershipRelease,
        { key: 'player:42', epoch, ownerServiceId: s.info.serviceId },
        clusterWire.ownershipReleaseOk,
      )
    expect((await rel(a, first.epoch)).released).toBe(false)
    expect((await rel(b, second.epoch)).released).toBe(true)
    expect((await claim(a)).epoch).toBe(second.epoch + 1n)
  })

  it('refuses a service without the cluster secret', async () => {
    const c = await center()
    await expect(
      startService('logic', 66, c.address, { secret: 'wrong-secret-but-long-enough' }),
    ).rejects.toMatchObject({
      code: 'CLUSTER_AUTH_FAILED',
    })
    expect(c.registry.list()).toEqual([])
  })
})

describe('center lifecycle', () => {
  it('runs its timers on the injected clock: the sweep and a holder claim’s lapse move only with it', async () => {
    const clock = new ManualClock()
    const c = await center({ clock, center: { holderTtlMs: 30_000 } })
    const tick = (ms: number) => {
      clock.advance(ms)
      c.app.timers.advance()
    }
    // A crashed service (link closed) is dropped by the registry sweep, which runs on ctx.timers.
    const a = await service('logic', 10, c.address)
    await a.proxy.close()
    await until(() => c.registry.linkOf(10) === undefined, 2000, 'center sees the link closed')
    expect(c.registry.list().map((s) => s.serviceId)).toEqual([10])
    tick(100)
    expect(c.registry.list()).toEqual([])

    // Holder claims are stamped with the injected wall clock and lapse when it moves.
    const lease = (holder: string) =>
      leaseMachineId({
        center: c.address,
        secret: SECRET,
        wire: clusterWire,
        node: 'n1',
        kind: 'logic',
        holder,
      })
    const first = await lease('h1')
    expect(first.holderUntilMs).toBe(BigInt(clock.now() + 30_000))
    await expect(lease('h2')).rejects.toMatchObject({ code: 'CENTER_MACHINE_ID_HELD' })
    tick(30_001)
    expect(await lease('h2')).toMatchObject({ machineId: first.machineId, returning: true })
  })

  it('gives every caller of close() one shared promise, and stops once', async () => {
    const c = await center()
    const ids = [
      CenterComponentIds.Link,
      CenterComponentIds.Database,
      CenterComponentIds.MachineIds,
      CenterComponentIds.Admin,
    ]
    const parts = ids.map((id) => c.component<{ close(): Promise<void> }>(id))
    const stop1 = c.close()
    const stop2 = c.close()
    expect(stop2).toBe(stop1)
    await stop1
    for (const p of parts) expect(p.close()).toBe(p.close())
    await Promise.all(parts.map((p) => p.close()))
  })
})

describe('machine-id tool', () => {
  const cli = (center: string, node: string, kind: string, secret = SECRET) =>
    run(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        CLI,
        '--center',
        center,
        '--node',
        node,
        '--service',
        kind,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TESSERA_CLUSTER_SECRET: secret },
        timeout: 15_000,
      },
    )

  it('prints the id of (node, kind); the same pair gets it back; a bad secret fails clearly', async () => {
    const c = await center()
    const hostPort = c.address.replace('tcp://', '')
    const a = Number((await cli(hostPort, 'n1', 'logic')).stdout.trim())
    const b = Number((await cli(hostPort, 'n2', 'logic')).stdout.trim())
    const again = Number((await cli(c.address, 'n1', 'logic')).stdout.trim())
    expect(Number.isInteger(a) && a >= 0 && a < 1024).toBe(true)
    expect(b).not.toBe(a)
    expect(again).toBe(a)
    const bad = await cli(hostPort, 'n3', 'logic', 'wrong-secret-but-long-enough').catch(
      (e: { code: number; stderr: string }) => e,
    )
    expect(bad).toMatchObject({ code: 1 })
    expect((bad as { stderr: string }).stderr).toContain('CLUSTER_AUTH_FAILED')
  }, 40_000)
})
