// The bots against a full local cluster (the run command's): `play` over
// TCP and WebSocket while a gateway and a logic process are killed with
// kill -9; and the hostile scenario beside polite players.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type BotReportJson, type RunCommand, runCommand } from './support/run-command.js'

/**
 * What a round may meet when a process dies under it, and recovers from by
 * logging in again (tools/bots/src/scenarios/rounds.ts, docs/tools.md).
 * Anything else is an error.
 */
const RECOVERABLE = new Set([
  'CLIENT_KICKED/KICK_SHUTDOWN',
  'CLIENT_SESSION_LOST',
  'WIRE_BAD_TOKEN/after-session-lost',
  'WIRE_UNAVAILABLE',
  'CLIENT_CONNECT_FAILED',
  // Login, not killed, but slow on a loaded machine: a login queued past its HTTP timeout.
  'CLIENT_CONNECT_FAILED/login-http',
  // Chat: the channel's owner or the receiver's home logic was the one killed.
  'CHAT_UNAVAILABLE',
  'CHAT_NO_CHANNEL',
  'CHAT_NOT_MEMBER',
])

/** The first failures of both stacks' reports, for a failing assertion's message. */
function failures(run: RunCommand): string {
  try {
    return (['tcp', 'ws'] as const).flatMap((s) => run.botReport(s).groups.players?.failures ?? []).join('\n')
  } catch {
    return '(no report)'
  }
}

/** Waits until the bots of `stack` report at least `s` seconds into the run. */
const botsAt = (run: RunCommand, stack: string, s: number) =>
  run.waitFor(
    new RegExp(
      `\\[bots ${stack}\\]\\S* play ×\\d+ over ${stack} · (?:[${Math.floor(s / 10)}-9]\\d|\\d{3,})/`,
    ),
    120_000,
  )

function kill9(run: RunCommand, name: string): number {
  const pid = run.pids()[name]!
  process.kill(pid, 'SIGKILL')
  return pid
}

describe('bots against a full local cluster', () => {
  it('play, 50 bots over tcp and ws: a gateway and a logic process killed with kill -9 mid-run; bots resume or log in again, no correctness error', async () => {
    const run = await runCommand(['--smoke', '--bots', '50', '--duration', '50', '--', '--idle-ms', '1000'])
    try {
      await botsAt(run, 'tcp', 12)
      kill9(run, 'gateway#200')
      await run.waitFor(/gateway#200 exited \(SIGKILL\); restarting/)
      await botsAt(run, 'tcp', 20)
      kill9(run, 'logic#1')
      await run.waitFor(/logic#1 exited \(SIGKILL\); restarting/)
      const code = await run.exited
      const out = run.out()
      expect(out, `${out.slice(-5000)}\n${run.logProblems()}\n${failures(run)}`).toContain('smoke run passed')
      expect(code).toBe(0)
      const recovered: Record<string, number> = {}
      let resumes = 0
      for (const stack of ['tcp', 'ws'] as const) {
        const r: BotReportJson = run.botReport(stack)
        const g = r.groups.players!
        expect(g.played, JSON.stringify(g.failures)).toBe(25)
        expect(g.failed).toBe(0)
        expect(g.errors).toEqual({})
        expect(r.missed).toEqual([])
        for (const [k, n] of Object.entries(g.recovered)) recovered[k] = (recovered[k] ?? 0) + n
        resumes += g.counts.resumes ?? 0
      }
      // Only the documented errors, each followed by a successful re-login (the bot played on).
      for (const k of Object.keys(recovered)) expect(RECOVERABLE, `recovered ${k}`).toContain(k)
      // The logic kill ended live sessions: some bots had to log in again.
      expect(Object.values(recovered).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
      expect(resumes).toBeGreaterThan(0)
    } finally {
      await run.cleanup()
    }
  }, 240_000)

  it('hostile bots of every kind beside polite players: the polite ones play on without an error, the hostile ones are refused with the documented codes', async () => {
    const run = await runCommand([
      '--smoke',
      '--scenario',
      'hostile',
      '--bots',
      '6',
      '--duration',
      '60',
      '--',
      '--baseline-s',
      '15',
      '--idle-ms',
      '1000',
    ])
    try {
      const code = await run.exited
      const out = run.out()
      expect(out, `${out.slice(-5000)}\n${run.logProblems()}`).toContain('smoke run passed')
      expect(code).toBe(0)
      const wrongTotal: Record<string, number> = {}
      for (const stack of ['tcp', 'ws'] as const) {
        const r = run.botReport(stack)
        expect(r.missed).toEqual([])
        // Polite: no error before or under attack, nothing to recover from, figures for both phases.
        for (const phase of ['polite', 'polite-under-attack']) {
          const g = r.groups[phase]!
          expect(g.failed, `${stack} ${phase}: ${JSON.stringify(g.failures)}`).toBe(0)
          expect(g.recovered).toEqual({})
          expect(g.requests.echo?.count).toBeGreaterThan(0)
        }
        expect(r.groups['polite-under-attack']!.played).toBe(3)
        expect(r.groups.hostile!.failed, JSON.stringify(r.groups.hostile!.failures)).toBe(0)
        const h = r.hostile
        expect(Object.keys(h).sort()).toEqual([
          'flood',
          'malformed-frame',
          'oversized-frame',
          'reconnect-storm',
          'replayed-token',
          'slow-reader',
          'wrong-password',
        ])
        for (const [kind, k] of Object.entries(h))
          expect(k.refusedAsDocumented, `${stack} ${kind}`).toBe(true)
        expect(h['replayed-token']!.outcomes).toEqual({ WIRE_BAD_TOKEN: 5 })
        expect(h['oversized-frame']!.outcomes).toEqual({ CUT: 8 })
        expect(h.flood!.outcomes).toEqual({ CUT: 2 })
        expect(h['slow-reader']!.outcomes).toEqual({ CUT: 2 })
        expect(h['malformed-frame']!.outcomes).toEqual({ CUT: 3, WIRE_UNKNOWN_MESSAGE: 3, WIRE_BAD_BODY: 3 })
        expect(h['reconnect-storm']!.outcomes).toEqual({ RESUMED: 5, CUT: 150 })
        const wrong = h['wrong-password']!.outcomes
        expect(Object.values(wrong).reduce((a, b) => a + b, 0)).toBe(10)
        for (const [k, n] of Object.entries(wrong)) wrongTotal[k] = (wrongTotal[k] ?? 0) + n
      }
      // Both bot processes try from the same address: the first failures are bad
      // credentials, then the account and address throttles answer.
      expect(wrongTotal.LOGIN_BAD_CREDENTIALS).toBeGreaterThan(0)
      expect(
        (wrongTotal.LOGIN_THROTTLED_ACCOUNT ?? 0) + (wrongTotal.LOGIN_THROTTLED_IP ?? 0),
      ).toBeGreaterThan(0)
      // The gateways say why they cut each kind (one source address per kind, in order).
      const released = new Map<string, Set<string>>()
      const logs = path.join(run.dir, 'logs')
      for (const f of readdirSync(logs).filter((f) => f.startsWith('gateway')))
        for (const line of readFileSync(path.join(logs, f), 'utf8').split('\n')) {
          if (!line.includes('"session released"')) continue
          const o = JSON.parse(line) as { ip?: string; reason?: string }
          const ip = String(o.ip).replace(/^::ffff:/, '')
          if (!released.has(ip)) released.set(ip, new Set())
          released.get(ip)!.add(String(o.reason))
        }
      expect(released.get('127.0.0.241')).toContain('EDGE_BAD_TOKEN') // replayed-token
      expect(released.get('127.0.0.242')).toContain('NET_FRAME_TOO_LARGE') // oversized-frame
      expect(released.get('127.0.0.243')).toContain('NET_FRAME_TOO_SMALL') // malformed-frame (garbage)
      expect(released.get('127.0.0.244')).toContain('NET_RATE_LIMITED') // flood
      expect(released.get('127.0.0.245')).toContain('GATEWAY_SESSION_ENDED') // slow-reader: logic's replay cap
      expect(released.get('127.0.0.246')).toContain('NET_HANDSHAKE_TIMEOUT') // reconnect-storm's bare connections
      // No polite address was cut for any of it (the polite bots' own cut sockets show as socket errors or closes).
      const refusals = [
        'NET_FRAME_TOO_LARGE',
        'NET_FRAME_TOO_SMALL',
        'NET_BAD_HEADER',
        'NET_RATE_LIMITED',
        'NET_OUTBOUND_OVERFLOW',
        'NET_TOO_MANY_ERRORS',
        'NET_HANDSHAKE_TIMEOUT',
        'EDGE_BAD_TOKEN',
        'EDGE_RESUME_REFUSED',
        'GATEWAY_SESSION_ENDED',
      ]
      // (The hostile addresses found above prove these lines are read; a polite
      // session that ends with Goodbye is logged at debug, so a quick run may
      // show none of them here — any that is logged must not carry a refusal.)
      for (const [ip, reasons] of released)
        if (/^127\.0\.0\.[2-9]$/.test(ip))
          for (const r of reasons) expect(refusals, `${ip} released with ${r}`).not.toContain(r)
    } finally {
      await run.cleanup()
    }
  }, 240_000)

  it('chat-heavy, a small run: bots in two channels within the rate limit, every own line back once and in order, fan-out latency and deliveries/s in the report', async () => {
    const run = await runCommand([
      '--smoke',
      '--scenario',
      'chat-heavy',
      '--bots',
      '12',
      '--duration',
      '45',
      '--',
      '--chat-channels',
      '2',
      '--chat-lines-per-s',
      '1',
    ])
    try {
      const code = await run.exited
      const out = run.out()
      expect(out, `${out.slice(-5000)}\n${run.logProblems()}`).toContain('smoke run passed')
      expect(code).toBe(0)
      for (const stack of ['tcp', 'ws'] as const) {
        const r = run.botReport(stack)
        const g = r.groups.players!
        expect(g.failed, JSON.stringify(g.failures)).toBe(0)
        expect(g.played).toBe(6)
        const c = g.chat!
        expect(c.lines).toBeGreaterThan(0)
        expect(c.rateLimited).toBe(0)
        // Each line reaches every member of its channel (the sender too); bots of the
        // other stack may share the channel, so at least the sender's own copy.
        expect(c.deliveries).toBeGreaterThanOrEqual(c.lines)
        expect(c.deliveriesPerS).toBeGreaterThan(0)
        expect(c.fanoutP99Ms).toBeGreaterThanOrEqual(c.fanoutP50Ms)
        expect(g.requests['chat.heavy']?.count).toBe(c.lines)
      }
      expect(run.botReport('tcp').groups.players!.chat!.fanoutP50Ms).toBeGreaterThan(0)
    } finally {
      await run.cleanup()
    }
  }, 240_000)
})
