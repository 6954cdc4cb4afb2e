import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Gender } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GameCluster } from '../game/support/game-cluster.js'
import { until } from '../game/support/players.js'
import { bundleForBrowser, gamePageEntry } from '../support/bundle.js'
import { CHROMIUM, Chromium, chromiumAvailable } from '../support/chromium.js'

// The game path in a real browser: headless Chromium (Debian's chromium)
// runs the SDK against a real cluster (center, login, logic, gateway
// processes, MariaDB): register → log in over HTTP → gateway over
// WebSocket → profile change → log out → log in again sees the change.
// Without chromium the suite is skipped, loudly — except under CI=true,
// where a missing browser fails it.
const available = chromiumAvailable()
const ci = process.env.CI === 'true'
if (!available && !ci) console.warn(`SKIPPED: Chromium game suite — ${CHROMIUM} is not installed`)

describe.skipIf(!available && !ci)('game path in headless Chromium (slow: a cluster and a browser)', () => {
  let cluster: GameCluster | undefined
  let http: ReturnType<typeof createServer> | undefined
  let browser: Chromium | null = null
  let pageUrl = ''
  const account = `web_${randomBytes(5).toString('hex')}`

  beforeAll(async () => {
    if (!available)
      throw new Error(`CI=true and ${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`)
    cluster = await new GameCluster().start()
    const js = await bundleForBrowser(gamePageEntry)
    const html =
      '<!doctype html><meta charset="utf-8"><title>tessera game</title><script type="module" src="/game.js"></script>'
    http = createServer((req, res) => {
      if (req.url === '/game.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js)
      else if (req.url === '/' || req.url?.startsWith('/?'))
        res.writeHead(200, { 'content-type': 'text/html' }).end(html)
      else res.writeHead(404).end()
    })
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r))
    const port = (http.address() as AddressInfo).port
    const hash = new URLSearchParams({
      login: await cluster.loginUrl(),
      account,
      password: 'violet-harbour-92-lanterns',
    })
    pageUrl = `http://127.0.0.1:${port}/#${hash}`
    browser = await Chromium.launch()
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    if (http) await new Promise((r) => http!.close(r))
    await cluster?.stop()
  }, 90_000)

  it('registers, plays, logs out and sees its change after logging in again', async () => {
    const evaluate = await browser!.open(pageUrl)
    let result: Record<string, unknown> | undefined
    const end = Date.now() + 60_000
    while (!result && Date.now() < end) {
      result = (await evaluate('window.__game')) as Record<string, unknown> | undefined
      if (!result) await new Promise((r) => setTimeout(r, 50))
    }
    expect(result, 'page never reported').toBeDefined()
    expect(result!.error).toBeUndefined()
    expect(result!.ok).toBe(true)
    expect(result!.encrypted).toBe(true)
    expect(result!.mottoSet).toBe('set from chromium')
    expect(result!.refusedCode).toBe('PROFILE_BAD_MOTTO')
    expect(result!.loggedOutCode).toBe('LOGIN_BAD_SESSION')
    expect(result!.mottoAfter).toBe('set from chromium')
    expect(result!.genderAfter).toBe(Gender.GENDER_FEMALE)
    expect(result!.nicknameAfter).toBe('Chromie')
    // The change is in logic's database too (flushed when the session ended).
    await until(
      async () => (await cluster!.playerRow(1, result!.userId as string))?.motto === 'set from chromium',
      10_000,
      'the row in MariaDB',
    )
  }, 120_000)
})
