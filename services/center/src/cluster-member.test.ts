import { ClusterMember, ServiceStates } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type CenterHandle, dropDatabases, SECRET, startCenter, until } from './fixtures/harness.js'

let center: CenterHandle | undefined
const members: ClusterMember[] = []
afterEach(async () => {
  for (const m of members.splice(0)) await m.leave()
  await center?.close()
})
afterAll(dropDatabases)

const join = async (kind: string, serviceId: number, dependsOn: string[] = []) => {
  const m = await ClusterMember.join({
    identity: { kind, serviceId, node: `n${serviceId}` },
    secret: SECRET,
    wire: clusterWire,
    listen: 'tcp://127.0.0.1:0',
    center: center!.address,
    dependsOn,
  })
  members.push(m)
  return m
}

describe('ClusterMember', () => {
  it('starts services in dependency order: gateway waits for login and logic to be ready', async () => {
    center = await startCenter()
    const order: string[] = []
    const gw = await join('gateway', 30, ['login', 'logic'])
    const login = await join('login', 20)
    const logic = await join('logic', 10, ['login'])
    const run = async (m: ClusterMember, name: string) => {
      await m.startupGo()
      await m.setState(ServiceStates.STARTING)
      order.push(name)
      await m.setState(ServiceStates.READY)
    }
    await Promise.all([run(gw, 'gateway'), run(logic, 'logic'), run(login, 'login')])
    expect(order).toEqual(['login', 'logic', 'gateway'])
    await until(() => gw.proxy.membership.ofKind('logic')[0]?.state === ServiceStates.READY, 2000)
  })

  it('pushes DRAINING, then the leave, to peers', async () => {
    center = await startCenter()
    const a = await join('logic', 10)
    const b = await join('gateway', 20)
    await a.setState(ServiceStates.READY)
    await until(() => b.proxy.membership.get(10)?.state === ServiceStates.READY, 2000)
    const seen: number[] = []
    b.proxy.membership.onChange((c) => {
      for (const s of c.up) if (s.serviceId === 10) seen.push(s.state)
      for (const s of c.down) if (s.serviceId === 10) seen.push(-1)
    })
    members.splice(members.indexOf(a), 1)
    await a.leave()
    await until(() => seen.includes(-1), 2000)
    expect(seen).toEqual([ServiceStates.DRAINING, -1])
  })
})
