// The `play` scenario: what one player does in a session, built on
// @tessera/client exactly as a game client is. Every answer is checked;
// a wrong one is a BOTS_CHECK_FAILED naming the bot.
import { randomBytes } from 'node:crypto'
import {
  type HandoffAddresses,
  handoffWebSocket,
  type LoginApi,
  LoginFlow,
  TesseraClient,
  type WebSocketConstructor,
} from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { Echo, Gender, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol'
import WebSocket from 'ws'
import type { BotStats } from './bot-stats.js'
import { BotsCheckFailed } from './errors.js'

export type Stack = 'tcp' | 'ws'

export interface PlayOptions {
  /** Bot name, used in account names and in errors. */
  name: string
  api: LoginApi
  stack: Stack
  stats: BotStats
}

/** Where login handed the player: the gateway's addresses per stack. */
function connect(h: HandoffAddresses, stack: Stack): TesseraClient {
  const socket =
    stack === 'tcp'
      ? handoffTcp(h)
      : handoffWebSocket(h, { WebSocket: WebSocket as unknown as WebSocketConstructor })
  return new TesseraClient({ socket, token: h.token, clientKind: 'tessera-bot' })
}

/**
 * register → log in (through the admission queue) → gateway → profile read,
 * change and read back → echo → log out → log in again and see the change.
 */
export async function playOnce(o: PlayOptions): Promise<void> {
  const { stats } = o
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new BotsCheckFailed(o.name, what)
  }
  const account = `bot_${o.name}_${randomBytes(4).toString('hex')}`.slice(0, 32)
  const password = `bot-${randomBytes(12).toString('base64url')}`
  await stats.time('register', () => o.api.register({ account, password, nickname: `Bot ${o.name}` }))
  const flow = new LoginFlow(o.api)
  flow.on('queue', () => stats.count('queued'))
  const first = await stats.time('login', () => flow.login(account, password))
  const c1 = connect(first.handoff, o.stack)
  const motto = `motto ${randomBytes(6).toString('hex')}`
  try {
    await stats.time('connect', () => c1.connect())
    const before = await stats.time('profile.get', () =>
      c1.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes }),
    )
    check(before.profile?.userId === first.userId, `profile.get answered for ${before.profile?.userId}`)
    const set = await stats.time('profile.set', () =>
      c1.request(ProfileSet, { motto, gender: Gender.GENDER_OTHER }, { response: ProfileSetRes }),
    )
    check(set.profile?.motto === motto, `profile.set answered motto ${JSON.stringify(set.profile?.motto)}`)
    for (let i = 0; i < 5; i++) {
      const text = `${o.name}-${i}`
      const back = await stats.time('echo', () => c1.request(Echo, { text, seq: i }))
      check(back.text === text && back.seq === i, `echo ${i} came back as ${JSON.stringify(back.text)}`)
    }
  } finally {
    await c1.close()
  }
  await stats.time('logout', () => o.api.logout(first.sessionToken))
  const second = await stats.time('login', () => flow.login(account, password))
  const c2 = connect(second.handoff, o.stack)
  try {
    await stats.time('connect', () => c2.connect())
    const after = await stats.time('profile.get', () =>
      c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes }),
    )
    check(
      after.profile?.motto === motto,
      `after re-login the motto is ${JSON.stringify(after.profile?.motto)}`,
    )
  } finally {
    await c2.close()
  }
  await stats.time('logout', () => o.api.logout(second.sessionToken))
}
