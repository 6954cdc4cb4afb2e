// A logged-in player for feature tests: logs in at login's API, connects to
// its gateway and records the pushes of the given types (registered before
// connecting, so pushes made at login are seen too).
import type { TesseraClient } from '@tessera/client'
import type { MessageType } from '@tessera/protocol'
import type { GameCluster } from './game-cluster.js'
import { clientFor, login } from './players.js'

export interface FeaturePlayer {
  client: TesseraClient
  /** Pushes received, by message name, in arrival order. */
  pushes: Map<string, unknown[]>
  /** Pushes of one type received so far. */
  got<T>(type: MessageType<T>): T[]
  /** The first push of `type` past the `skip` first ones (waits up to `ms`). */
  next<T>(type: MessageType<T>, skip: number, ms?: number): Promise<T>
  close(): Promise<void>
}

export async function connectPlayer(
  cluster: GameCluster,
  account: string,
  types: readonly MessageType<unknown>[],
): Promise<FeaturePlayer> {
  const answer = await login(cluster, account)
  const client = clientFor(answer.handoff, 'tcp')
  const pushes = new Map<string, unknown[]>()
  const waiters: (() => void)[] = []
  for (const t of types) {
    pushes.set(t.name, [])
    client.onPush(t, (m) => {
      pushes.get(t.name)!.push(m)
      for (const w of waiters.splice(0)) w()
    })
  }
  await client.connect()
  const got = <T>(type: MessageType<T>) => (pushes.get(type.name) ?? []) as T[]
  return {
    client,
    pushes,
    got,
    async next<T>(type: MessageType<T>, skip: number, ms = 60_000): Promise<T> {
      const end = Date.now() + ms
      while (got(type).length <= skip) {
        if (Date.now() > end) throw new Error(`no ${type.name} push #${skip + 1} within ${ms} ms`)
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200)
          waiters.push(() => {
            clearTimeout(t)
            r()
          })
        })
      }
      return got(type)[skip]!
    },
    close: () => client.close(),
  }
}
