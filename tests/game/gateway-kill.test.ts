// kill -9 of the gateway process holding a session, in the middle of a
// stream of server frames: the client resumes on another gateway process;
// the sequenced state lives on logic, so every frame arrives once, in order.
import { Echo } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, newAccount, register, type Transport, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('gateway kill -9 mid-stream', () => {
  const cluster = useGameCluster({ gateways: [201, 202] })

  for (const transport of ['tcp', 'ws'] as Transport[]) {
    it(`resumes on the other gateway over ${transport}: nothing lost, nothing doubled`, async () => {
      const account = newAccount(`k${transport}`)
      await register(cluster(), account)
      const answer = await login(cluster(), account)
      const holder = cluster().gateways.get(answer.handoff.gatewayServiceId)!
      const other = [...cluster().gateways.values()].find((g) => g !== holder)!
      // The hand-off's gateway first; reconnects go round both.
      const client = clientFor(answer.handoff, transport, {
        tcp: [...(answer.handoff.tcp ?? []), `tcp://${other.tcp.host}:${other.tcp.port}`],
        ws: [...(answer.handoff.ws ?? []), other.ws],
      })
      const opens: boolean[] = []
      client.on('open', (e) => opens.push(e.resumed))
      await client.connect()
      // Features push at a player's first join (catalogue, daily sign-in), in
      // the player's queue before its first request: once this echo is
      // answered, every one of them has arrived. The stream is counted after it.
      await client.request(Echo, { text: 'warm-up', seq: 0 }, { response: Echo, timeoutMs: 30_000 })
      const before = client.receivedSeq

      // Paced under the gateway's client rate limit (100 messages/s, burst 200),
      // so what the client re-sends after the resume stays within the burst.
      const total = 300
      const replies: number[] = []
      const done: Promise<void>[] = []
      for (let i = 1; i <= total; i++) {
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 120))
        done.push(
          client.request(Echo, { text: `m${i}`, seq: i }, { response: Echo, timeoutMs: 30_000 }).then((r) => {
            replies.push(r.seq)
          }),
        )
        if (i === 100) {
          // Some replies are in; kill the process holding the socket.
          await until(() => replies.length >= 20, 10_000, 'first replies')
          await holder.proc.kill9()
        }
      }
      await Promise.all(done)
      expect(opens).toEqual([false, true])
      expect(replies).toEqual(Array.from({ length: total }, (_v, i) => i + 1))
      // Every server frame counted exactly once: a doubled frame would push this past `total`.
      expect(client.receivedSeq - before).toBe(total)
      await client.close()
      // The killed gateway comes back for the next case.
      await cluster().startGateway(holder.serviceId)
    }, 90_000)
  }
})
