// The center's operator page in headless Chromium (playwright-core driving
// Debian's /usr/bin/chromium) against a real cluster: an operator logs in,
// the page lists the live services with their players and charts, a kick
// from the page reaches the connected SDK client as Kick{KICK_ADMIN}, the
// action is in the audit panel and the center's log, and a screenshot is
// kept at reports/screenshots/admin-page.png. With CI=true a missing
// Chromium fails the test instead of skipping it.
import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KickReason } from '@tessera/protocol'
import { tempDir } from '@tessera/testkit'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// biome-ignore lint/style/noRestrictedImports: the operators file is written as the operator's CLI writes it
import { setOperator } from '../../services/center/src/admin-web/operators-file.js'
import { clientFor, loginAt, newAccount, register, until } from './support/players.js'
import { useGameCluster } from './support/use-game-cluster.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SCREENSHOT = path.join(ROOT, 'reports/screenshots/admin-page.png')
const OPERATOR = 'ops.alice'
const PASSWORD = 'tide-lantern-47-orchard'

const have = existsSync(CHROMIUM)
if (!have && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is missing: the admin page test needs Chromium (scripts/setup.sh installs it)`)

describe.skipIf(!have)('center admin page in Chromium', () => {
  const dir = tempDir('admin-page')
  const operators = path.join(dir.path, 'operators')
  const cluster = useGameCluster({
    gateways: [201],
    serviceAdmin: true,
    centerEnv: {
      TESSERA_CENTER__UI__OPERATORS_FILE: operators,
      TESSERA_CENTER__UI__SAMPLE_INTERVAL_MS: '1000',
    },
  })
  let browser: Browser | undefined

  beforeAll(async () => {
    await setOperator(operators, OPERATOR, PASSWORD)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 60_000,
    })
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    dir.remove()
  })

  it('logs in, shows the live cluster, kicks a player, drains and undrains a gateway from the page, and keeps a screenshot', async () => {
    const c = cluster()
    const account = newAccount('web')
    const userId = await register(c, account)
    const client = clientFor((await loginAt(c, account, 201)).handoff, 'tcp')
    const kicks: { reason: number; message: string }[] = []
    client.on('kicked', (k) => kicks.push({ reason: k.reason, message: k.message }))
    await client.connect()
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } })
    try {
      await page.goto(`${c.centerAdmin}/ui/`)
      await page.waitForSelector('#login-form', { state: 'visible' })
      // A wrong password is refused on the page.
      await page.fill('#name', OPERATOR)
      await page.fill('#password', 'not-the-password')
      await page.click('#login-form button[type=submit]')
      await page.waitForFunction(() => document.querySelector('#login-error')?.textContent !== '')
      expect(await page.textContent('#login-error')).toContain('wrong operator name or password')

      await page.fill('#password', PASSWORD)
      await page.click('#login-form button[type=submit]')
      await page.waitForSelector('#app', { state: 'visible' })
      expect(await page.textContent('#operator')).toBe(OPERATOR)

      // The live cluster: every service, READY, with its version; the gateway's player.
      for (const key of ['center', 'login#100', 'logic#1', 'gateway#201'])
        await page.waitForSelector(`tr[data-service="${key}"]`, { timeout: 30_000 })
      expect(await page.textContent('tr[data-service="gateway#201"]')).toContain('READY')
      expect(await page.textContent('tr[data-service="logic#1"]')).toContain('0.1.0')
      await page.waitForFunction(
        () => document.querySelector('tr[data-service="gateway#201"] td:nth-child(4)')?.textContent === '1',
        undefined,
        { timeout: 30_000 },
      )
      // Message rates from each service's /metrics (the center's from its own link).
      for (const key of ['center', 'login#100', 'logic#1', 'gateway#201'])
        await page.waitForFunction(
          (k) =>
            /^\d/.test(document.querySelector(`tr[data-service="${k}"] td:nth-child(5)`)?.textContent ?? ''),
          key,
          { timeout: 30_000 },
        )
      // Charts drawn by uPlot once two samples give a rate.
      for (const id of ['msgs', 'players'])
        await page.waitForSelector(`#chart-${id} .uplot`, { timeout: 30_000 })

      // Kick the connected player from the page.
      const closed = new Promise<unknown>((r) => client.on('close', (e) => r(e.error)))
      await page.fill('#kick-form input[name=userId]', userId)
      await page.fill('#kick-form input[name=message]', 'kicked from the admin page')
      await page.click('#kick-form button[type=submit]')
      await page.waitForFunction(() =>
        document.querySelector('#action-result')?.textContent?.includes('HTTP'),
      )
      expect(await page.textContent('#action-result')).toContain('HTTP 200')
      expect(await closed).toMatchObject({ code: 'CLIENT_KICKED' })
      expect(kicks).toEqual([{ reason: KickReason.KICK_ADMIN, message: 'kicked from the admin page' }])

      // Audited: on the page and in the center's log, with operator, action, target and result.
      await page.waitForFunction(() =>
        document.querySelector('#audit tbody')?.textContent?.includes('gateways/kick'),
      )
      const line = await c.center.waitFor((l) => l.msg === 'operator action', 10_000, 'the audit line')
      expect(line.audit).toMatchObject({
        operator: OPERATOR,
        action: 'gateways/kick',
        target: `user ${userId}`,
        status: 200,
        result: 'ok, affected 1',
      })
      await until(async () => (await page.$$('#chart-msgs .u-series')).length > 1, 30_000, 'msgs series')

      mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      expect(existsSync(SCREENSHOT)).toBe(true)

      // Drain the gateway from the page (confirmed), then undrain it with the button beside.
      const state = () => page.textContent('tr[data-service="gateway#201"]')
      page.once('dialog', (d) => void d.accept())
      await page.selectOption('#drain-gateway', '201')
      await page.click('#drain-form button[type=submit]:not([data-action])')
      await page.waitForFunction(() =>
        document.querySelector('#action-result')?.textContent?.startsWith('gateways/drain'),
      )
      expect(await page.textContent('#action-result')).toContain('HTTP 200')
      await until(
        async () => (await state())?.includes('DRAINING') === true,
        30_000,
        'gateway#201 DRAINING on the page',
      )
      await page.click('#undrain-button')
      await page.waitForFunction(() =>
        document.querySelector('#action-result')?.textContent?.startsWith('gateways/undrain'),
      )
      expect(await page.textContent('#action-result')).toMatch(/HTTP 200[\s\S]*"affected":1/)
      await until(async () => (await state())?.includes('READY') === true, 30_000, 'gateway#201 READY again')
    } finally {
      await page.close()
      await client.close()
    }
  }, 180_000)
})
