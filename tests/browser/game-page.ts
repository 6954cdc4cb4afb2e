// Runs inside headless Chromium against a real game cluster: register and
// log in at login's JSON API, hand off to the gateway over WebSocket,
// change the profile through logic, log out, log in again and read the
// change back. Reports on window.__result.
import { handoffWebSocket, httpLoginApi, LoginFlow, TesseraClient } from '@tessera/client'
import { Gender, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol/client'

interface GamePageResult {
  ok: boolean
  error?: string
  userId?: string
  gateways?: number[]
  encrypted?: boolean
  mottoSet?: string
  mottoAfter?: string
  genderAfter?: number
  nicknameAfter?: string
  refusedCode?: string
  loggedOutCode?: string
}

declare global {
  interface Window {
    __game?: GamePageResult
  }
}

async function run(): Promise<GamePageResult> {
  const p = new URLSearchParams(location.hash.slice(1))
  const account = p.get('account')!
  const password = p.get('password')!
  const api = httpLoginApi(p.get('login')!)
  const reg = await api.register({ account, password, nickname: 'Chromie' })
  const flow = new LoginFlow(api)
  const play = async (token: string, h: Parameters<typeof handoffWebSocket>[0]) => {
    const c = new TesseraClient({ socket: handoffWebSocket(h), token, clientKind: 'web' })
    await c.connect()
    return c
  }

  const first = await flow.login(account, password)
  const c1 = await play(first.handoff.token, first.handoff)
  const set = await c1.request(
    ProfileSet,
    { motto: 'set from chromium', gender: Gender.GENDER_FEMALE },
    { response: ProfileSetRes },
  )
  const refusedCode = await c1.request(ProfileSet, { motto: 'x'.repeat(500) }).then(
    () => 'accepted',
    (e: { code: string }) => e.code,
  )
  const encrypted = c1.keyEpochs !== null
  await c1.close()
  await api.logout(first.sessionToken)
  // The session token of the first login is over.
  const loggedOutCode = await api.logout(first.sessionToken).then(
    () => 'accepted',
    (e: { code: string }) => e.code,
  )

  const second = await flow.login(account, password)
  const c2 = await play(second.handoff.token, second.handoff)
  const after = await c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
  await c2.close()
  await api.logout(second.sessionToken)
  return {
    ok: true,
    userId: String(reg.userId),
    gateways: [first.handoff.gatewayServiceId, second.handoff.gatewayServiceId],
    encrypted,
    mottoSet: set.profile?.motto,
    mottoAfter: after.profile?.motto,
    genderAfter: after.profile?.gender,
    nicknameAfter: after.profile?.nickname,
    refusedCode,
    loggedOutCode,
  }
}

run().then(
  (r) => {
    window.__game = r
  },
  (e: unknown) => {
    window.__game = { ok: false, error: String((e as Error)?.stack ?? e) }
  },
)
