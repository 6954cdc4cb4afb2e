// The center raises service-down when a service stops heartbeating, and the
// alert reaches a Feishu bot (a local stand-in that checks the signature)
// through the process's alert sink configured by `alerts.feishu`.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type FeishuWebhook, feishuWebhook, until } from '@tessera/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CenterHandle, dropDatabases, startCenter, startService } from './fixtures/harness.js'

const SECRET = 'feishu-test-secret'
let hook: FeishuWebhook
let center: CenterHandle
let queueDir: string

beforeAll(async () => {
  hook = await feishuWebhook(SECRET)
  queueDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-center-alerts-'))
  center = await startCenter({
    alerts: { feishu: { url: hook.url, secret: SECRET, queueDir, minSeverity: 'warning' } },
  })
})
afterAll(async () => {
  await center?.close()
  await hook?.close()
  rmSync(queueDir, { recursive: true, force: true })
  await dropDatabases()
})

describe('center alerts', () => {
  it('a service that stops heartbeating raises service-down, signed, at the Feishu bot; a deliberate leave does not', {
    timeout: 30_000,
  }, async () => {
    const leaving = await startService('logic', 41, center.address)
    await leaving.close() // unregisters: no alert
    const dying = await startService('logic', 42, center.address)
    // Gone without a word: the heartbeat stops and the link closes.
    dying.client.stop = async () => {}
    await dying.proxy.close()
    await until(() => hook.posts.length > 0, 15_000)
    expect(hook.refused).toBe(0)
    const post = hook.posts[0]!
    expect(post.title).toBe('[CRITICAL] logic#42 on node-42 is down')
    expect(post.lines.join('\n')).toMatch(/link closed: the process crashed or was killed/)
    expect(hook.posts.some((p) => p.title.includes('logic#41'))).toBe(false)
  })
})
