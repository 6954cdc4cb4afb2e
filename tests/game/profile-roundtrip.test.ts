// The game path end to end, on real processes and the real MariaDB:
// register → log in (login's JSON API) → hand-off to the gateway → profile
// change through logic → log out → log in again sees the change, and the
// row is in logic's database; a nickname changed at login reaches the
// profile at the next login. Over binary TCP and WebSocket.
import { Gender, ProfileGet, ProfileGetRes, ProfileSet, ProfileSetRes } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { clientFor, login, newAccount, register, type Transport, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

describe('register → login → gateway → profile change → logout → login again', () => {
  const cluster = useGameCluster()

  for (const transport of ['tcp', 'ws'] as Transport[]) {
    it(`keeps the change over ${transport}`, async () => {
      const account = newAccount(transport)
      const userId = await register(cluster(), account, 'Ann')
      const first = await login(cluster(), account)
      expect(first.handoff.token).toBeTruthy()
      const c1 = clientFor(first.handoff, transport)
      await c1.connect()
      const before = await c1.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      expect(String(before.profile?.userId)).toBe(userId)
      expect(before.profile?.nickname).toBe('Ann')
      const set = await c1.request(
        ProfileSet,
        { motto: 'fortune favours the bold', gender: Gender.GENDER_OTHER },
        { response: ProfileSetRes },
      )
      expect(set.profile?.motto).toBe('fortune favours the bold')
      // A refusal is typed and changes nothing.
      await expect(c1.request(ProfileSet, { nickname: 'a\u0000b' })).rejects.toMatchObject({
        code: 'PROFILE_BAD_NICKNAME',
      })
      // The nickname belongs to login (change-nickname); the profile takes it at the next login.
      await expect(c1.request(ProfileSet, { nickname: 'Bea' })).rejects.toMatchObject({
        code: 'PROFILE_NICKNAME_AT_LOGIN',
      })
      await cluster().api('nickname', { sessionToken: first.sessionToken, nickname: 'Bea' })
      await c1.close()
      await cluster().api('logout', { sessionToken: first.sessionToken })

      // The change is in logic's database...
      await until(
        async () => (await cluster().playerRow(1, userId))?.motto === 'fortune favours the bold',
        10_000,
        'the row in MariaDB',
      )
      // ...and the next login sees it.
      const second = await login(cluster(), account)
      const c2 = clientFor(second.handoff, transport)
      await c2.connect()
      const after = await c2.request(ProfileGet, { userId: 0n }, { response: ProfileGetRes })
      expect(after.profile?.motto).toBe('fortune favours the bold')
      expect(after.profile?.gender).toBe(Gender.GENDER_OTHER)
      expect(after.profile?.nickname).toBe('Bea')
      await c2.close()
    }, 60_000)
  }
})
