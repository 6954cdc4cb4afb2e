// The login service's cluster API as a gateway uses it: a real center, a
// real login Application on the test MariaDB, and gateways that are real
// cluster members (kind "gateway") on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Application, ClusterMember, ServiceStates, type TesseraError } from '@tessera/kernel'
import {
  clusterWire,
  HandoffRedeem,
  HandoffRedeemOk,
  SessionKick,
  SessionReport,
  SessionReportOk,
} from '@tessera/protocol'
import { serverUrl, sql, testDatabase } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: the center's own test harness (services have no library entry)
import type { CenterHandle as CenterNode } from '../../services/center/src/fixtures/harness.js'
// biome-ignore lint/style/noRestrictedImports: the center's own test harness
import { dropDatabases, SECRET, startCenter, until } from '../../services/center/src/fixtures/harness.js'
// biome-ignore lint/style/noRestrictedImports: login's config schema, to build the service in-process
import { type LoginConfig, loginConfigSchema } from '../../services/login/src/config.js'
// biome-ignore lint/style/noRestrictedImports: login's generated component list
import { components } from '../../services/login/src/generated/components.js'
// biome-ignore lint/style/noRestrictedImports: login's core, driven directly by the cluster API test
import { LOGIN_CORE_ID, type LoginCore } from '../../services/login/src/login-core.js'

const ip = { ip: '203.0.113.9' }
const PASSWORD = 'correct horse battery'

describe('login cluster API (redeem, session reports, kicks)', () => {
  let center: CenterNode
  let app: Application<LoginConfig>
  let gw7: ClusterMember
  let gw8: ClusterMember
  let dir: string
  let dbName: string
  const kicks: { userId: bigint; loginEpoch: bigint; reason: string }[] = []

  const core = () => app.services[0]!.host.get<LoginCore>(LOGIN_CORE_ID)
  /** A gateway member; `like` = a process behind the same ports (a node:cluster sibling of that gateway), `node` to place it elsewhere. */
  const gateway = async (serviceId: number, like = serviceId, node = `gw${like}`) => {
    const m = await ClusterMember.join({
      identity: { kind: 'gateway', serviceId, node },
      secret: SECRET,
      wire: clusterWire,
      listen: 'tcp://127.0.0.1:0',
      center: center.address,
      advertise: [`tcp://127.0.0.1:${41000 + like}`, `ws://127.0.0.1:${42000 + like}/`],
    })
    await m.setState(ServiceStates.READY)
    return m
  }
  const redeem = (m: ClusterMember, token: string, gatewayServiceId = m.info.serviceId) =>
    m.proxy.request(
      { kind: 'login' },
      HandoffRedeem,
      HandoffRedeem.create({ token, gatewayServiceId }),
      HandoffRedeemOk,
    )
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: TesseraError) => e.code,
    )

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-login-api-'))
    center = await startCenter()
    dbName = (await testDatabase('login')).name
    const config = loginConfigSchema.parse({
      app: { node: 'login-node', dataDir: dir },
      log: { level: 'silent' },
      cluster: { center: center.address, secret: SECRET },
      login: {
        serviceId: 100,
        database: { url: await serverUrl(), name: dbName },
        argon2: { memoryKiB: 1024, timeCost: 1 },
      },
    })
    app = new Application({
      name: 'login',
      config,
      wire: clusterWire,
      services: (c) => [{ kind: 'login', id: c.login.serviceId, components }],
    })
    await app.start()
    gw7 = await gateway(7)
    gw8 = await gateway(8)
    gw7.proxy.on(SessionKick, (m) => void kicks.push(m))
    await until(() => core().parts!.service !== undefined)
    // Both gateways READY in login's view of the registry.
    await until(
      () =>
        app.services[0]!.member!.proxy.membership.ofKind('gateway').filter(
          (s) => s.state === ServiceStates.READY,
        ).length === 2,
    )
    await core().service.register({ account: 'carol', password: PASSWORD, nickname: 'Carol' }, ip)
  })

  afterAll(async () => {
    await gw7?.leave()
    await gw8?.leave()
    await app?.stop()
    await center?.close()
    await dropDatabases()
    if (dbName) await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${dbName}\``)
    rmSync(dir, { recursive: true, force: true })
  })

  /** Log carol in until the hand-off names `gatewayServiceId` (the picker spreads by load). */
  async function loginAt(gatewayServiceId: number) {
    for (let i = 0; i < 50; i++) {
      const r = await core().service.login({ account: 'carol', password: PASSWORD }, ip)
      if (r.handoff?.gatewayServiceId === gatewayServiceId) return r
    }
    throw new Error(`no hand-off for gateway ${gatewayServiceId}`)
  }

  it('redeems a token once, at the gateway it names, over the cluster', async () => {
    const r = await loginAt(7)
    expect(r.handoff!.tcp).toEqual(['tcp://127.0.0.1:41007'])
    expect(r.handoff!.ws).toEqual(['ws://127.0.0.1:42007/'])
    const ok = await redeem(gw7, r.handoff!.token)
    expect(ok).toMatchObject({ userId: r.userId, account: 'carol', nickname: 'Carol' })
    expect(await codeOf(redeem(gw7, r.handoff!.token))).toBe('LOGIN_TOKEN_USED')
  })

  it('refuses a token at the wrong gateway with its own code', async () => {
    const r = await loginAt(7)
    expect(await codeOf(redeem(gw8, r.handoff!.token))).toBe('LOGIN_TOKEN_WRONG_GATEWAY')
    // Still good where it belongs.
    expect(await codeOf(redeem(gw7, r.handoff!.token))).toBe('OK')
  })

  it('lets a process behind the same ports redeem (gateway.workers), not one elsewhere', async () => {
    // Worker 17 shares gateway 7's ports on its node; 18 advertises the same
    // addresses from another node (so it is not behind those ports).
    const sibling = await gateway(17, 7)
    const elsewhere = await gateway(18, 7, 'another-node')
    try {
      await until(
        () =>
          app.services[0]!.member!.proxy.membership.ofKind('gateway').filter(
            (s) => s.state === ServiceStates.READY,
          ).length === 4,
      )
      const r = await loginAt(7)
      expect(await codeOf(redeem(elsewhere, r.handoff!.token))).toBe('LOGIN_TOKEN_WRONG_GATEWAY')
      expect(await codeOf(redeem(gw8, r.handoff!.token))).toBe('LOGIN_TOKEN_WRONG_GATEWAY')
      expect(await codeOf(redeem(sibling, r.handoff!.token))).toBe('OK')
      expect(await codeOf(redeem(gw7, r.handoff!.token))).toBe('LOGIN_TOKEN_USED')
    } finally {
      await sibling.leave()
      await elsewhere.leave()
    }
  })

  it('refuses a gateway that redeems in another gateway’s name', async () => {
    const r = await loginAt(7)
    expect(await codeOf(redeem(gw8, r.handoff!.token, 7))).toBe('LOGIN_NOT_YOUR_GATEWAY')
    expect(await codeOf(redeem(gw7, r.handoff!.token))).toBe('OK')
  })

  it('counts reported sessions, and kicks the holder on logout', async () => {
    const r = await loginAt(7)
    const ok = await redeem(gw7, r.handoff!.token)
    const report = await gw7.proxy.request(
      { kind: 'login' },
      SessionReport,
      SessionReport.create({
        gatewayServiceId: 7,
        online: [{ userId: ok.userId, loginEpoch: ok.loginEpoch }],
      }),
      SessionReportOk,
    )
    expect(report.online).toBe(1)
    await core().service.logout(r.sessionToken)
    await until(() => kicks.length > 0)
    expect(kicks[0]).toMatchObject({ userId: ok.userId, reason: 'logout' })
    expect(kicks[0]!.loginEpoch).toBeGreaterThan(ok.loginEpoch)
    expect(await core().parts!.online.count()).toBe(0)
  })

  it('forgets the sessions of a gateway that leaves the cluster', async () => {
    const r = await loginAt(8)
    await redeem(gw8, r.handoff!.token)
    expect(await core().parts!.online.count()).toBe(1)
    await gw8.leave()
    await until(async () => (await core().parts!.online.count()) === 0)
  })
})
