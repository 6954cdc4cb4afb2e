import { execFileSync, spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { AlertsBadConfig } from './errors.js'
import { FeishuAlertSink, type Schedule } from './feishu-alert-sink.js'
import { feishuSign } from './feishu-sign.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../../..')
const SECRET = 'test-secret-Zq8vR1'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-alerts-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

interface Received {
  title: string
  lines: string[]
  timestamp: string | undefined
  sign: string | undefined
}

/**
 * A local stand-in for Feishu's webhook endpoint (a real HTTP server on
 * 127.0.0.1): checks the signature against its own secret and the timestamp
 * against `clock`, as Feishu does, and checks the `post` payload shape.
 * `plan` scripts the next answers (status, JSON body); after it, success.
 */
async function webhook(clock: ManualClock | undefined, secret = SECRET) {
  const st = {
    plan: [] as [number, unknown][],
    /** Every request, accepted or not. */
    requests: 0,
    delivered: [] as Received[],
    /** Answer 503 to everything. */
    down: false,
    /** Hold requests without answering. */
    hang: false,
    /** Answer 200 with a body that never ends. */
    endless: false,
    url: '',
  }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => {
      body += c
    })
    req.on('end', () => {
      st.requests++
      if (st.hang) return
      if (st.endless) {
        res.writeHead(200, { 'content-type': 'application/json' })
        const chunk = Buffer.alloc(16 * 1024, 0x20)
        const pour = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pour)
        }
        return pour()
      }
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(json))
      }
      if (st.down) return answer(503, { code: 503, msg: 'down' })
      const next = st.plan.shift()
      if (next) return answer(next[0], next[1])
      let j: Record<string, unknown>
      try {
        j = JSON.parse(body)
      } catch {
        return answer(400, { code: 9499, msg: 'Bad Request' })
      }
      const ts = String(j.timestamp)
      const expected = createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64')
      const skew = clock ? Math.abs(Number(ts) - clock.now() / 1000) : 0
      if (j.sign !== expected || !(skew < 3600))
        return answer(200, {
          code: 19021,
          msg: 'sign match fail or timestamp is not within one hour from current time',
        })
      const post = (
        j.content as { post?: { zh_cn?: { title: string; content: { tag: string; text: string }[][] } } }
      )?.post?.zh_cn
      if (
        j.msg_type !== 'post' ||
        !post ||
        !post.content.every((l) => l.length === 1 && l[0]!.tag === 'text')
      )
        return answer(200, { code: 9499, msg: 'Bad Request' })
      st.delivered.push({
        title: post.title,
        lines: post.content.map((l) => l[0]!.text),
        timestamp: j.timestamp as string,
        sign: j.sign as string,
      })
      answer(200, { code: 0, msg: 'success', data: {} })
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  st.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/open-apis/bot/v2/hook/test`
  return st
}

/** A schedule that only records the wake-ups the sink asks for; the test moves the clock and calls pump(). */
function recorder() {
  const delays: number[] = []
  const schedule: Schedule = (_fn, ms) => {
    delays.push(ms)
    return () => {}
  }
  return { delays, schedule }
}

function sinkFor(
  hook: { url: string },
  clock: ManualClock,
  extra: Record<string, unknown> = {},
  dir = tempDir(),
  schedule = recorder().schedule,
) {
  const sink = new FeishuAlertSink({
    config: { url: hook.url, secret: SECRET, queueDir: dir, ...extra },
    clock,
    schedule,
  })
  cleanups.push(() => sink.close())
  return sink
}

const down = (n: number) => ({
  kind: 'service-down' as const,
  severity: 'critical' as const,
  title: `logic-${n} is down`,
})

describe('feishuSign', () => {
  it('matches an independent implementation (openssl)', () => {
    const ts = 1_599_360_473
    const viaOpenssl = execFileSync(
      'sh',
      ['-c', `printf '' | openssl dgst -sha256 -hmac "$K" -binary | base64`],
      {
        env: { ...process.env, K: `${ts}\n${SECRET}` },
      },
    )
      .toString()
      .trim()
    expect(feishuSign(ts, SECRET)).toBe(viaOpenssl)
    expect(feishuSign(ts + 1, SECRET)).not.toBe(viaOpenssl)
  })
})

describe('FeishuAlertSink against a local webhook', () => {
  it('delivers a signed post message the webhook accepts', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0, 700))
    const hook = await webhook(clock)
    const sink = sinkFor(hook, clock)
    expect(
      sink.alert({
        ...down(3),
        text: 'no heartbeat for 10 s\nlast seen 08:00',
        service: 'logic-3',
        node: 'node-b',
      }),
    ).toBe('queued')
    await sink.pump()
    expect(hook.delivered).toEqual([
      {
        title: '[CRITICAL] logic-3 is down',
        lines: [
          'no heartbeat for 10 s',
          'last seen 08:00',
          'service: logic-3  node: node-b',
          'at: 2026-06-01T08:00:00.700Z  kind: service-down',
        ],
        timestamp: String(Math.floor(clock.now() / 1000)),
        sign: feishuSign(Math.floor(clock.now() / 1000), SECRET),
      },
    ])
    expect(sink.queued).toBe(0)
    expect(sink.stats).toMatchObject({ raised: 1, sent: 1, failedAttempts: 0 })
  })

  it('a webhook with another secret refuses it; the alert stays queued, not lost', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock, 'another-secret')
    const sink = sinkFor(hook, clock)
    sink.alert(down(1))
    await sink.pump()
    expect(hook.requests).toBe(1)
    expect(hook.delivered).toEqual([])
    expect(sink.queued).toBe(1)
    expect(sink.stats.failedAttempts).toBe(1)
  })

  it('retries a 5xx with doubling backoff, re-signing each attempt, then delivers once', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.plan.push([500, { msg: 'oops' }], [502, 'not json'])
    const r = recorder()
    const sink = sinkFor(hook, clock, {}, tempDir(), r.schedule)
    sink.alert(down(1))
    await sink.pump()
    expect(r.delays).toEqual([1000])
    // Not due yet: nothing is sent.
    clock.advance(999)
    await sink.pump()
    expect(hook.requests).toBe(1)
    clock.advance(1)
    await sink.pump()
    expect(hook.requests).toBe(2)
    expect(r.delays.at(-1)).toBe(2000)
    clock.advance(2000)
    await sink.pump()
    expect(hook.requests).toBe(3)
    expect(hook.delivered).toHaveLength(1)
    // Signed with the time of the successful attempt (Feishu refuses timestamps over an hour old).
    expect(hook.delivered[0]!.timestamp).toBe(String(clock.now() / 1000))
    expect(sink.queued).toBe(0)
    expect(sink.stats).toMatchObject({ sent: 1, failedAttempts: 2, dropped: 0 })
  })

  it('backoff is capped at retryMaxMs', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.down = true
    const r = recorder()
    const sink = sinkFor(hook, clock, { retryBaseMs: 100, retryMaxMs: 500 }, tempDir(), r.schedule)
    sink.alert(down(1))
    await sink.pump()
    for (let i = 0; i < 4; i++) {
      clock.advance(r.delays.at(-1)!)
      await sink.pump()
    }
    expect(r.delays).toEqual([100, 200, 400, 500, 500])
  })

  it('a timeout or a refused connection is retried', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.hang = true
    const sink = sinkFor(hook, clock, { requestTimeoutMs: 200 })
    sink.alert(down(1))
    await sink.pump()
    expect(sink.stats.failedAttempts).toBe(1)
    hook.hang = false
    clock.advance(1000)
    await sink.pump()
    expect(hook.delivered).toHaveLength(1)
  })

  it('reads at most 64 KiB of an answer (an endless answer does not hang or fill memory)', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.endless = true
    const sink = sinkFor(hook, clock, { requestTimeoutMs: 5000 })
    sink.alert(down(1))
    await sink.pump()
    // HTTP 200 with no JSON code: taken as delivered, after reading only the cap.
    expect(sink.stats).toMatchObject({ sent: 1, failedAttempts: 0 })
  })

  it('a body the webhook calls bad is dropped, not retried forever', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.plan.push([400, { code: 9499, msg: 'Bad Request' }])
    const sink = sinkFor(hook, clock)
    sink.alert(down(1))
    sink.alert(down(2))
    await sink.pump()
    expect(sink.stats).toMatchObject({ dropped: 1, sent: 1 })
    expect(hook.delivered.map((d) => d.title)).toEqual(['[CRITICAL] logic-2 is down'])
  })

  it('dedup: the same key within the window is sent once; the next one says how many were held back', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    const sink = sinkFor(hook, clock, { dedupWindowMs: 60_000 })
    expect(sink.alert(down(1))).toBe('queued')
    expect(sink.alert(down(1))).toBe('suppressed')
    expect(sink.alert({ ...down(1), text: 'other text, same key' })).toBe('suppressed')
    expect(sink.alert(down(2))).toBe('queued')
    expect(sink.alert({ ...down(9), key: 'k' })).toBe('queued')
    expect(sink.alert({ ...down(8), key: 'k' })).toBe('suppressed')
    await sink.pump()
    expect(hook.delivered.map((d) => d.title)).toEqual([
      '[CRITICAL] logic-1 is down',
      '[CRITICAL] logic-2 is down',
      '[CRITICAL] logic-9 is down',
    ])
    clock.advance(59_999)
    expect(sink.alert(down(1))).toBe('suppressed')
    clock.advance(1)
    expect(sink.alert(down(1))).toBe('queued')
    await sink.pump()
    expect(hook.delivered).toHaveLength(4)
    expect(hook.delivered[3]!.lines.at(-1)).toBe('(3 more like this were held back by dedup)')
    expect(sink.stats.suppressed).toBe(4)
  })

  it('rate limit: per second and per minute; the rest wait (queued) and go when allowed', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    const r = recorder()
    const sink = sinkFor(hook, clock, { perSecond: 2, perMinute: 3 }, tempDir(), r.schedule)
    for (let i = 1; i <= 5; i++) sink.alert(down(i))
    await sink.pump()
    expect(hook.delivered).toHaveLength(2)
    expect(r.delays).toEqual([1000])
    clock.advance(1000)
    await sink.pump()
    expect(hook.delivered).toHaveLength(3)
    expect(r.delays.at(-1)).toBe(59_000)
    clock.advance(58_999)
    await sink.pump()
    expect(hook.delivered).toHaveLength(3)
    clock.advance(1)
    await sink.pump()
    expect(hook.delivered.map((d) => d.title)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `[CRITICAL] logic-${n} is down`),
    )
    expect(sink.stats.dropped).toBe(0)
  })

  it('queue cap drops the oldest; too-old alerts are dropped; below minSeverity is ignored', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    hook.down = true
    const sink = sinkFor(hook, clock, { maxQueued: 2, maxAgeMs: 10 * 60_000 })
    expect(sink.alert({ kind: 'custom', severity: 'info', title: 'fyi' })).toBe('ignored')
    for (let i = 1; i <= 3; i++) sink.alert(down(i))
    await sink.pump()
    expect(sink.queued).toBe(2)
    expect(sink.stats.dropped).toBe(1)
    clock.advance(10 * 60_000 + 1)
    sink.alert(down(4))
    hook.down = false
    await sink.pump()
    // logic-2 and logic-3 outlived maxAgeMs; logic-4 is fresh.
    expect(hook.delivered.map((d) => d.title)).toEqual(['[CRITICAL] logic-4 is down'])
    expect(sink.stats).toMatchObject({ dropped: 3, ignored: 1, sent: 1 })
  })

  it('restores the queue on start: torn .tmp removed, unreadable files moved aside, the rest delivered', async () => {
    const clock = new ManualClock()
    const hook = await webhook(clock)
    const dir = tempDir()
    hook.down = true
    const first = sinkFor(hook, clock, {}, dir)
    first.alert(down(1))
    first.alert(down(2))
    await first.pump()
    await first.close()
    writeFileSync(path.join(dir, '000000000007.json.tmp'), '{"kind":')
    writeFileSync(path.join(dir, '000000000008.json'), '{"kind":"service-down"}')
    hook.down = false
    clock.advance(1000)
    const second = sinkFor(hook, clock, {}, dir)
    expect(second.queued).toBe(2)
    await second.pump()
    expect(hook.delivered.map((d) => d.title)).toEqual([
      '[CRITICAL] logic-1 is down',
      '[CRITICAL] logic-2 is down',
    ])
    expect(readdirSync(dir)).toEqual(['000000000008.json.bad'])
    // New alerts never reuse the number of a file moved aside.
    hook.down = true
    second.alert(down(3))
    await second.pump()
    expect(readdirSync(dir).sort()).toEqual(['000000000008.json.bad', '000000000009.json'])
  })

  it('alerts queued by a process killed with SIGKILL are delivered by the next one', {
    timeout: 30_000,
  }, async () => {
    const hook = await webhook(undefined)
    hook.down = true
    const dir = tempDir()
    const child = spawn(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        path.join(here, 'fixtures/alert-child.ts'),
        dir,
        hook.url,
        SECRET,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('\n')) resolve(out.trim())
      })
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)))
    })
    expect(line).toBe('queued 3')
    const exited = new Promise((r) => child.once('exit', (_c, signal) => r(signal)))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(hook.delivered).toEqual([])
    hook.down = false
    // The child used the system clock; this one starts past its retry time.
    const clock = new ManualClock(Date.now() + 60_000)
    const sink = sinkFor(hook, clock, {}, dir)
    await sink.pump()
    expect(hook.delivered.map((d) => d.title)).toEqual([1, 2, 3].map((n) => `[CRITICAL] logic-${n} is down`))
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses bad config with every problem named', () => {
    const dir = tempDir()
    const bad = (config: Record<string, unknown>, re: RegExp) => {
      expect(() => new FeishuAlertSink({ config: { queueDir: dir, ...config } as never })).toThrow(
        AlertsBadConfig,
      )
      expect(() => new FeishuAlertSink({ config: { queueDir: dir, ...config } as never })).toThrow(re)
    }
    bad({ url: 'http://open.feishu.cn/open-apis/bot/v2/hook/x' }, /url must be https/)
    bad({ url: 'not a url' }, /is not a URL/)
    bad({ url: 'https://x', secret: 'a', secretFile: '/etc/hostname' }, /secret or secretFile, not both/)
    bad({ url: 'https://x', secretFile: path.join(dir, 'missing') }, /secretFile .*missing: ENOENT/)
    bad({ url: 'https://x', perSecond: 10, perMinute: 5 }, /perSecond must not exceed perMinute/)
    bad({ url: 'https://x', colour: 'red' }, /colour/)
    bad({ url: 'https://x', minSeverity: 'loud' }, /minSeverity/)
    const secretFile = path.join(dir, 'secret')
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
    // A queue directory that cannot be made (here: a file is in the way).
    expect(() => new FeishuAlertSink({ config: { url: 'https://x', queueDir: secretFile } })).toThrow(
      /^alerts config: queueDir .*secret: EEXIST/,
    )
    const ok = new FeishuAlertSink({
      config: { url: 'https://x', secretFile, queueDir: path.join(dir, 'q') },
    })
    expect(ok.config.secret).toBe(SECRET)
  })
})
