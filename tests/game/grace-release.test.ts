// A dropped connection leaves the player's session on logic for
// logic.resumeGraceMs; past it the session is released and the player's row
// flushed to MariaDB, and a resume with the old token is refused with
// WIRE_RESUME_REFUSED (docs/gateway.md, "Resume on any gateway process").
import { TesseraClient } from '@tessera/client'
import { handoffTcp } from '@tessera/client/node'
import { ProfileSet, ProfileSetRes, WireError } from '@tessera/protocol'
import { describe, expect, it } from 'vitest'
import { rawHandshake } from '../support/raw-handshake.js'
import { cuttable, login, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const GRACE_MS = 1500

describe('resume grace on logic', () => {
  // Rows reach MariaDB only when released (periodic flush far away), so the
  // row appearing is the release's own flush.
  const cluster = useGameCluster({
    logicArgs: ['--logic.resumeGraceMs', String(GRACE_MS)],
    flushIntervalMs: 600_000,
  })

  it('releases a dropped session after resumeGraceMs, flushes its row, and refuses a later resume', async () => {
    const account = newAccount('gr')
    const userId = await register(cluster(), account)
    const answer = await login(cluster(), account)
    const sock = cuttable(handoffTcp(answer.handoff))
    const c = new TesseraClient({ socket: sock.factory, token: answer.handoff.token, reconnect: false })
    await c.connect()
    await c.request(ProfileSet, { motto: 'kept after the drop' }, { response: ProfileSetRes })
    // Not flushed yet: the session holds the row.
    expect((await cluster().playerRow(1, userId))?.motto ?? null).toBeNull()
    const resumeToken = (c as unknown as { resumeToken: string }).resumeToken
    expect(resumeToken).toMatch(new RegExp(`^${userId}\\.`))
    const closed = new Promise((r) => c.on('close', r))
    sock.cut()
    await closed

    await until(
      async () => (await cluster().playerRow(1, userId))?.motto === 'kept after the drop',
      30_000,
      'the row flushed by the release',
    )
    const gw = cluster().gateways.get(answer.handoff.gatewayServiceId)!
    const late = await rawHandshake(gw.ws, { resume: { resumeToken, lastReceivedSeq: 1n } })
    expect(late.ok).toBeNull()
    expect(late.error).toMatchObject({ code: WireError.WIRE_RESUME_REFUSED })
    expect(late.error!.message).toMatch(/unknown or expired resume token/)
  }, 90_000)
})
