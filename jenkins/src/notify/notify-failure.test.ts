import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { failureText, feishuTextBody } from '../../notify-failure.mjs'

const script = fileURLToPath(new URL('../../notify-failure.mjs', import.meta.url))
const SECRET = 'bot-signing-secret'

/** A stand-in for Feishu's bot endpoint that checks what Feishu checks. */
let server: Server
let url: string
const received: Record<string, unknown>[] = []
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c) => {
      raw += c
    })
    req.on('end', () => {
      const body = JSON.parse(raw) as { timestamp?: string; sign?: string; msg_type?: string }
      received.push(body)
      const ts = Number(body.timestamp)
      const expected = createHmac('sha256', `${body.timestamp}\n${SECRET}`).update('').digest('base64')
      const fresh = Math.abs(Date.now() / 1000 - ts) < 3600
      const ok = body.sign === expected && fresh && body.msg_type === 'text'
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(ok ? { code: 0, msg: 'success' } : { code: 19021, msg: 'sign match fail' }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/open-apis/bot/v2/hook/test`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

function notify(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c
  })
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })))
}

const jenkinsEnv = {
  JOB_NAME: 'tessera/main',
  BUILD_NUMBER: '42',
  BRANCH_NAME: 'main',
  BUILD_URL: 'https://ci.example/job/tessera/42/',
}

describe('jenkins/notify-failure.mjs', () => {
  it('posts a signed Feishu text message naming the job, build and branch', async () => {
    received.length = 0
    const r = await notify({ ...jenkinsEnv, TESSERA_ALERT_WEBHOOK: url, TESSERA_ALERT_SECRET: SECRET })
    expect(r.stderr).toMatch(/failure reported/)
    expect(r.code).toBe(0)
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({
      msg_type: 'text',
      content: { text: '[pipeline failed] tessera/main #42 on main\nhttps://ci.example/job/tessera/42/' },
    })
  })

  it('exits 1 when the webhook refuses the signature', async () => {
    const r = await notify({
      ...jenkinsEnv,
      TESSERA_ALERT_WEBHOOK: url,
      TESSERA_ALERT_SECRET: 'wrong-secret',
    })
    expect(r.stderr).toMatch(/could not report the failure: webhook answered HTTP 200: .*19021/)
    expect(r.code).toBe(1)
  })

  it('says so and exits 0 when no webhook is configured', async () => {
    const r = await notify(jenkinsEnv)
    expect(r.stderr).toMatch(
      /TESSERA_ALERT_WEBHOOK is not set; not sent: \[pipeline failed\] tessera\/main #42/,
    )
    expect(r.code).toBe(0)
  })

  it('leaves the signature out without a secret', () => {
    expect(feishuTextBody('x', undefined, 0)).toEqual({ msg_type: 'text', content: { text: 'x' } })
    expect(failureText({})).toBe('[pipeline failed] tessera')
  })
})
