// Players of the game cluster: register and log in at login's JSON API,
// then connect to the gateway login handed them to, with the SDK.
import { randomBytes } from 'node:crypto'
import { type HandoffAddresses, handoffWebSocket, TesseraClient } from '@tessera/client'
import WebSocket from 'ws'
import { handoffTcp } from '../../../packages/client/src/node.js'
import type { GameCluster } from './game-cluster.js'

export { until } from '../../../services/center/src/fixtures/harness.js'

export type Transport = 'tcp' | 'ws'

export const PASSWORD = 'violet-harbour-92-lanterns'

export interface LoginAnswer {
  userId: string
  nickname: string
  sessionToken: string
  handoff: HandoffAddresses & { gatewayServiceId: number }
}

/** A fresh account name (lowercase, within login's rules). */
export function newAccount(prefix = 'p'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

export async function register(cluster: GameCluster, account: string, nickname = account): Promise<string> {
  const r = await cluster.api<{ userId: string }>('register', { account, password: PASSWORD, nickname })
  return r.userId
}

export function login(cluster: GameCluster, account: string): Promise<LoginAnswer> {
  return cluster.api<LoginAnswer>('login', { account, password: PASSWORD })
}

/** A client for a hand-off, over TCP or WebSocket; reconnects quickly (tests). */
export function clientFor(
  h: HandoffAddresses,
  transport: Transport,
  extra: Partial<HandoffAddresses> = {},
): TesseraClient {
  const to = { ...h, ...extra }
  const socket =
    transport === 'tcp'
      ? handoffTcp(to)
      : handoffWebSocket(to, {
          WebSocket: WebSocket as unknown as NonNullable<Parameters<typeof handoffWebSocket>[1]>['WebSocket'],
        })
  return new TesseraClient({
    socket,
    token: h.token,
    clientKind: 'node-test',
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  })
}
