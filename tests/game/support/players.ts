// Players of the game cluster: register and log in at login's JSON API,
// then connect to the gateway login handed them to, with the SDK.
import { randomBytes } from 'node:crypto'
import { type HandoffAddresses, handoffWebSocket, type SocketFactory, TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import WebSocket from 'ws'
import type { GameCluster } from './game-cluster.js'

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
  /** TCP socket options (a bench spreads its clients over 127.0.0.x source addresses). */
  tcp: { localAddress?: string } = {},
): TesseraClient {
  const to = { ...h, ...extra }
  const socket =
    transport === 'tcp'
      ? handoffTcp(to, tcp)
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

/** A socket factory whose current socket the test can cut (a drop: no Goodbye). */
export function cuttable(inner: SocketFactory): { factory: SocketFactory; cut(): void } {
  let current: { close(): void } | null = null
  return {
    factory: (events) => {
      const s = inner(events)
      current = s
      return s
    },
    cut: () => current?.close(),
  }
}

/** Wait until `cond()` (which may be async: a database read) holds, polling; throws after `timeoutMs`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A WebSocket client for a hand-off whose connections leave from `localAddress` (e.g. 127.0.0.2). */
export function clientFrom(h: HandoffAddresses, localAddress: string): TesseraClient {
  class FromAddress extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress })
    }
  }
  return new TesseraClient({
    socket: handoffWebSocket(h, {
      WebSocket: FromAddress as unknown as NonNullable<Parameters<typeof handoffWebSocket>[1]>['WebSocket'],
    }),
    token: h.token,
    clientKind: 'node-test',
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  })
}

/** Log in until login hands the player to `gatewayId` (it spreads hand-offs by load); bounded. */
export async function loginAt(
  cluster: GameCluster,
  account: string,
  gatewayId: number,
): Promise<LoginAnswer> {
  for (let i = 0; i < 30; i++) {
    const a = await login(cluster, account)
    if (a.handoff.gatewayServiceId === gatewayId) return a
  }
  throw new Error(`login never handed ${account} to gateway ${gatewayId}`)
}

/**
 * Which logic process holds a connected player: the one whose database got
 * its row (the shard map decides; tests find players on each logic this way).
 */
export async function logicOf(cluster: GameCluster, userId: string, timeoutMs = 10_000): Promise<number> {
  let on = 0
  await until(
    async () => {
      for (const id of cluster.logics.keys()) if (await cluster.playerRow(id, userId)) on = id
      return on !== 0
    },
    timeoutMs,
    `the row of player ${userId}`,
  )
  return on
}
