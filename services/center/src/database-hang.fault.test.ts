// The center's database hangs (a private MariaDB under SIGSTOP: its TCP
// port accepts, nothing answers): requests that need it fail with
// CENTER_NO_DATABASE within center.dbTimeoutMs, the center stays up (the
// registry, heartbeats and the admin view go on, a holder asking again for
// its id is answered from the cache), and once the server resumes everything
// works again. Slow suite (a private server starts, ~15 s).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { CENTER_CHANNEL_ID, leaseMachineId } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { PrivateMariadb } from '@tessera/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CenterHandle,
  SECRET,
  startCenter,
  startService,
  type TestService,
  until,
} from './fixtures/harness.js'

let server: PrivateMariadb
let pid = 0
let center: CenterHandle | undefined
const services: TestService[] = []

beforeAll(async () => {
  server = await PrivateMariadb.create()
  pid = Number(readFileSync(path.join(server.dir, 'mysqld.pid'), 'utf8').trim())
})
afterAll(async () => {
  if (pid) process.kill(pid, 'SIGCONT')
  for (const s of services.splice(0)) await s.close()
  await center?.close()
  await server?.destroy()
})

const lease = (c: CenterHandle, node: string, holder: string) =>
  leaseMachineId({ center: c.address, secret: SECRET, wire: clusterWire, node, kind: 'logic', holder })

const claim = (s: TestService, key: string) =>
  s.proxy.request(
    CENTER_CHANNEL_ID,
    clusterWire.ownershipClaim,
    { key, ownerServiceId: s.info.serviceId },
    clusterWire.ownershipClaimOk,
  )

/** The state letter of /proc/PID/stat (R, S, T = stopped, ...). */
function processState(p: number): string {
  const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
}

async function adminView(c: CenterHandle): Promise<{ databaseDown: boolean; services: unknown[] }> {
  return (await (await fetch(`${c.adminAddress}/admin/cluster`)).json()) as {
    databaseDown: boolean
    services: unknown[]
  }
}

describe('the center database hangs', () => {
  it('fails what needs it with CENTER_NO_DATABASE, keeps the rest up, and recovers', {
    timeout: 120_000,
  }, async () => {
    // dbTimeoutMs well below the clients' 5 s request timeout: they hear the center's error.
    const c = await startCenter({ center: { mysqlUrl: server.url, dbTimeoutMs: 800, holderTtlMs: 3000 } })
    center = c
    const held = await lease(c, 'node-a', 'holder-a')
    const logic = await startService('logic', 10, c.address)
    services.push(logic)
    expect((await claim(logic, 'player:1')).epoch).toBe(1n)

    process.kill(pid, 'SIGSTOP')
    // kill() returns once the signal is queued; wait until the server is stopped.
    await until(() => processState(pid) === 'T', 5000, 'database server stopped')
    // A new key needs a write: a typed error, not a hang and not the client's timeout.
    const refused = await lease(c, 'node-b', 'holder-b').catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'CENTER_NO_DATABASE' })
    // So does a claim: an epoch that was not stored fences nothing.
    await expect(claim(logic, 'player:1')).rejects.toMatchObject({ code: 'CENTER_NO_DATABASE' })
    // Another holder for a held key cannot be decided from the cache either.
    await expect(lease(c, 'node-a', 'holder-other')).rejects.toMatchObject({ code: 'CENTER_NO_DATABASE' })
    // The holder asking again for its own id is answered from the cache.
    expect(await lease(c, 'node-a', 'holder-a')).toMatchObject({ machineId: held.machineId, returning: true })
    // Far more requests than the pool has connections (8): each still fails
    // on time. Statement and connect timeouts alone would not do: a request
    // queued for a connection waits for every one ahead of it to time out
    // (8 at a time, >= 800 ms a round), and the last ones would hear their
    // own 5 s request timeout (CLUSTER_TIMEOUT) instead.
    const burst = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) => lease(c, `node-burst-${i}`, `holder-${i}`)),
    )
    for (const r of burst)
      expect(r).toMatchObject({ status: 'rejected', reason: { code: 'CENTER_NO_DATABASE' } })
    // The registry needs no database: a service registers, heartbeats go on, the admin view answers.
    const gateway = await startService('gateway', 20, c.address)
    services.push(gateway)
    await until(() => logic.proxy.membership.get(20) !== undefined, 5000, 'gateway pushed to logic')
    await until(async () => (await adminView(c)).databaseDown, 10_000, 'admin view says the database is down')
    expect((await adminView(c)).services).toHaveLength(2)
    expect(c.registry.list().map((s) => s.serviceId)).toEqual([10, 20])

    process.kill(pid, 'SIGCONT')
    // Back: every kind of request works again, without restarting the center.
    await until(
      async () => (await lease(c, 'node-b', 'holder-b').catch(() => undefined)) !== undefined,
      30_000,
      'a new lease after the database resumed',
    )
    expect((await claim(logic, 'player:1')).epoch).toBe(2n)
    await until(
      async () => !(await adminView(c)).databaseDown,
      10_000,
      'admin view says the database is back',
    )
  })
})
