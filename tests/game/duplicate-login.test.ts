// A second login of the same account from another gateway: the first
// session is kicked ("logged in elsewhere", KICK_REPLACED), the row moves to
// the new ownership epoch, and a write of the old owner's epoch is refused by
// the database.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KickReason, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol'
import { Storage } from '@tessera/storage'
import { serverUrl } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: the logic's entity, to write the row as a stale owner would (services have no library entry)
import { Player } from '../../services/logic/src/player/index.js'
import { clientFor, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('duplicate login from two gateways', () => {
  const cluster = useGameCluster({ gateways: [201, 202] })

  it('kicks the first session and fences its epoch', async () => {
    const account = newAccount('dup')
    const userId = await register(cluster(), account)
    const first = await login(cluster(), account)
    const c1 = clientFor(first.handoff, 'tcp')
    const kicked: { reason: number; message: string; replaced: boolean }[] = []
    c1.on('kicked', (k) => kicked.push(k))
    const closed = new Promise<unknown>((r) => c1.on('close', (e) => r(e.error)))
    await c1.connect()
    await c1.request(ProfileSet, { motto: 'from the first device' }, { response: ProfileSetRes })
    await until(async () => Number((await cluster().playerRow(1, userId))?._epoch) > 0, 10_000, 'first row')
    const oldEpoch = Number((await cluster().playerRow(1, userId))!._epoch)

    let second = await login(cluster(), account)
    // Login spreads hand-offs; make sure the second session is on the other gateway.
    for (let i = 0; i < 5 && second.handoff.gatewayServiceId === first.handoff.gatewayServiceId; i++)
      second = await login(cluster(), account)
    expect(second.handoff.gatewayServiceId).not.toBe(first.handoff.gatewayServiceId)
    const c2 = clientFor(second.handoff, 'ws')
    await c2.connect()

    expect(await closed).toMatchObject({ code: 'CLIENT_KICKED' })
    expect(kicked[0]).toEqual({
      reason: KickReason.KICK_REPLACED,
      message: 'logged in elsewhere',
      replaced: true,
    })
    // A replaced session is our decision, nothing for an operator to act on: info, not a warning.
    const released = await cluster()
      .gateways.get(first.handoff.gatewayServiceId)!
      .proc.waitFor((l) => l.msg === 'session released' && l.reason === 'GATEWAY_REPLACED', 10_000)
    expect(released.level).toBe(30)
    const p = await c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(p.profile?.motto).toBe('from the first device')

    // The row belongs to the newer epoch now: the old owner's writes are refused.
    const row = await cluster().playerRow(1, userId)
    expect(Number(row!._epoch)).toBeGreaterThan(oldEpoch)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-stale-'))
    const stale = new Storage({
      url: await serverUrl(),
      service: 'logic',
      machineId: cluster().machineIds.get(1)!,
      entities: [Player],
      dataDir: dir,
      epoch: oldEpoch,
      journal: { mode: 'off' },
    })
    try {
      await stale.start()
      await expect(stale.load(Player, BigInt(userId), { epoch: oldEpoch })).rejects.toMatchObject({
        code: 'STORAGE_STALE_EPOCH',
      })
    } finally {
      await stale.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    await c2.request(ProfileSet, { motto: 'second device wins' }, { response: ProfileSetRes })
    await until(
      async () => (await cluster().playerRow(1, userId))?.motto === 'second device wins',
      10_000,
      'the new owner writes',
    )
    await c2.close()
  }, 90_000)
})

describe('duplicate login at the same gateway', () => {
  const cluster = useGameCluster()

  it('kicks the first session through logic (the center does not revoke a claim by the same owner)', async () => {
    const account = newAccount('dup1')
    await register(cluster(), account)
    const first = await login(cluster(), account)
    const c1 = clientFor(first.handoff, 'tcp')
    const kicked: { reason: number; message: string; replaced: boolean }[] = []
    c1.on('kicked', (k) => kicked.push(k))
    const closed = new Promise<unknown>((r) => c1.on('close', (e) => r(e.error)))
    await c1.connect()
    await c1.request(ProfileSet, { motto: 'one' }, { response: ProfileSetRes })

    const second = await login(cluster(), account)
    expect(second.handoff.gatewayServiceId).toBe(first.handoff.gatewayServiceId)
    const c2 = clientFor(second.handoff, 'tcp')
    await c2.connect()
    expect(await closed).toMatchObject({ code: 'CLIENT_KICKED' })
    expect(kicked).toEqual([
      { reason: KickReason.KICK_REPLACED, message: 'logged in elsewhere', replaced: true },
    ])
    const p = await c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
    expect(p.profile?.motto).toBe('one')
    await c2.close()
  }, 60_000)
})
