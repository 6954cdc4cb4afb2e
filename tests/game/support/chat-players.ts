// Players for the chat suites: placed on a chosen logic (by the shard map,
// from the user id) and a chosen gateway (login hands out gateways by load,
// so a few logins alternate), with every ChatPush they receive recorded.
import type { TesseraClient } from '@tessera/client'
import { ShardMap } from '@tessera/kernel'
import { ChatModeration, ChatPush } from '@tessera/protocol'
import { serverUrl, sql } from '@tessera/storage/testing'
import { ADMIN_TOKEN, type GameCluster } from './game-cluster.js'
import { clientFor, type LoginAnswer, login, newAccount, register, until } from './players.js'

export interface ChatPlayer {
  account: string
  userId: bigint
  nickname: string
  answer: LoginAnswer
  client: TesseraClient
  pushes: ChatPush[]
  moderation: ChatModeration[]
}

/** Register accounts until one lives on `logic` (at most 40 tries). */
export async function accountOn(
  cluster: GameCluster,
  logic: number,
  slots: number[],
  prefix: string,
): Promise<{ account: string; userId: bigint }> {
  const map = new ShardMap(slots, 4096)
  for (let i = 0; i < 40; i++) {
    const account = newAccount(prefix)
    const userId = BigInt(await register(cluster, account, account))
    if (map.logicOf(userId) === logic) return { account, userId }
  }
  throw new Error(`no account landed on logic#${logic} in 40 tries`)
}

/** Log in until login hands the account to `gateway` (at most 12 tries), then connect. */
export async function connectOn(
  cluster: GameCluster,
  account: string,
  userId: bigint,
  gateway: number,
): Promise<ChatPlayer> {
  for (let i = 0; i < 12; i++) {
    const answer = await login(cluster, account)
    if (answer.handoff.gatewayServiceId !== gateway) continue
    const client = clientFor(answer.handoff, 'tcp')
    const p: ChatPlayer = { account, userId, nickname: account, answer, client, pushes: [], moderation: [] }
    // Handlers before connect: stored mail is pushed right after the handshake.
    client.onPush(ChatPush, (m) => p.pushes.push(m))
    client.onPush(ChatModeration, (m) => p.moderation.push(m))
    await client.connect()
    return p
  }
  throw new Error(`login never handed ${account} to gateway#${gateway}`)
}

export async function playerOn(
  cluster: GameCluster,
  where: { logic: number; gateway: number },
  slots: number[],
  prefix = 'c',
): Promise<ChatPlayer> {
  const { account, userId } = await accountOn(cluster, where.logic, slots, prefix)
  return connectOn(cluster, account, userId, where.gateway)
}

/** Close the client and end the login session (the player is offline). */
export async function logOut(cluster: GameCluster, p: ChatPlayer): Promise<void> {
  await p.client.close()
  await cluster.api('logout', { sessionToken: p.answer.sessionToken })
}

/** Wait for a push matching `pred`. */
export async function pushFor(
  p: ChatPlayer,
  pred: (m: ChatPush) => boolean,
  what: string,
  ms = 10_000,
): Promise<ChatPush> {
  await until(() => p.pushes.some(pred), ms, `${p.account}: ${what}`)
  return p.pushes.find(pred)!
}

/** POST an operator action to the center's admin endpoint (with the admin bearer token). */
export async function adminPost(
  cluster: GameCluster,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${cluster.centerAdmin}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${ADMIN_TOKEN}`,
    },
    body: JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

/** A counter's value from a process's Prometheus text. */
export async function metric(adminUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

/** The player's row in its home logic's chat_moderation table (undefined when none). */
export async function moderationRow(
  cluster: GameCluster,
  logic: number,
  userId: bigint,
): Promise<Record<string, unknown> | undefined> {
  const db = `logic_${cluster.machineIds.get(logic)}`
  const rows = (await sql(await serverUrl(), `SELECT * FROM \`${db}\`.chat_moderation WHERE user_id = ?`, [
    String(userId),
  ])) as Record<string, unknown>[]
  return rows[0]
}
