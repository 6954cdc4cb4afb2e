// The soak command (pnpm soak → scripts/soak/soak.ts), short: the full local
// cluster under polite bots and hostile bots that attack again and again;
// every service's /metrics sampled; report, samples and curves written. The
// verdict's rules are tested in scripts/soak/judge.test.ts; a 90-second run
// is too short to judge flatness on a shared box, so it runs report-only.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { serverUrl, sql } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'
import { type BotReportJson, root } from './support/run-command.js'

const SERVICES = ['center', 'gateway#200', 'gateway#201', 'logic#1', 'logic#2', 'login', 'login-2']

describe('the soak command', () => {
  it('samples every service while polite and repeatedly hostile bots play, and writes report, samples and curves', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-soak-'))
    const db = `soak_center_${process.pid}`
    const child = spawn(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        'scripts/soak/soak.ts',
        '--source',
        '--minutes',
        '1.5',
        '--bots',
        '4',
        '--sample-s',
        '3',
        '--warmup-min',
        '0.5',
        '--hostile-every',
        '5',
        '--judge',
        'report-only',
        '--report',
        dir,
        '--center-database',
        db,
      ],
      {
        cwd: root,
        env: { ...process.env, MYSQL_URL: await serverUrl() },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    )
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      out += c
    })
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    try {
      expect(out, out.slice(-4000)).toContain('soak passed')
      expect(code).toBe(0)
      expect(out).toMatch(/sampling 7 services every 3 s/)
      const { samples } = JSON.parse(readFileSync(path.join(dir, 'samples.json'), 'utf8')) as {
        samples: { service: string; values: Record<string, number> }[]
      }
      expect([...new Set(samples.map((s) => s.service))].sort()).toEqual(SERVICES)
      for (const s of SERVICES) {
        const mine = samples.filter((x) => x.service === s)
        expect(mine.length, s).toBeGreaterThanOrEqual(15)
        expect(
          mine.every((x) => x.values.rssBytes! > 0 && x.values.fds! > 0),
          s,
        ).toBe(true)
      }
      // The logic services hold player rows: their storage backlog is sampled.
      expect(samples.some((x) => x.service === 'logic#1' && 'backlog' in x.values)).toBe(true)
      const report = readFileSync(path.join(dir, 'report.md'), 'utf8')
      for (const s of SERVICES)
        expect(report).toMatch(new RegExp(`\\| ${s} \\| RSS \\| \\d+ \\|.*\\| (flat|grows) \\|`))
      const html = readFileSync(path.join(dir, 'curves.html'), 'utf8')
      for (const f of ['rssBytes', 'heapBytes', 'fds', 'lagP99Ms', 'backlog'])
        expect(html).toContain(`data-figure="${f}"`)
      expect(html.match(/<polyline/g)?.length).toBeGreaterThanOrEqual(4 * SERVICES.length + 2)
      // Hostile bots attacked more than once (--hostile-every): more replayed tokens than one series holds (5).
      for (const stack of ['tcp', 'ws']) {
        const r = JSON.parse(
          readFileSync(path.join(dir, 'cluster', `bots-${stack}.json`), 'utf8'),
        ) as BotReportJson
        const replayed = Object.values(r.hostile['replayed-token']!.outcomes).reduce((a, b) => a + b, 0)
        expect(replayed, stack).toBeGreaterThan(5)
        for (const [kind, k] of Object.entries(r.hostile))
          expect(k.refusedAsDocumented, `${stack} ${kind}`).toBe(true)
        expect(r.groups['polite-under-attack']!.failed).toBe(0)
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL')
      await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${db}\``)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 240_000)
})
