import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseTopology } from '../topology/index.js'
import { nextElapse, parseCalendar } from './calendar.js'

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0
const utc = process.env.TZ === 'UTC' || new Date(0).getTimezoneOffset() === 0

/** The next `n` elapses after `base` as systemd computes them (UTC). */
function systemdElapses(expr: string, base: string, n: number): string[] {
  const r = spawnSync('systemd-analyze', ['calendar', `--base-time=${base} UTC`, `--iterations=${n}`, expr], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  })
  expect(r.status, r.stderr).toBe(0)
  return [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map(
    (m) => m[1]!,
  )
}

function ours(expr: string, base: string, n: number): string[] {
  const spec = parseCalendar(expr)
  const out: string[] = []
  let t = Date.parse(`${base.replace(' ', 'T')}Z`)
  for (let i = 0; i < n; i++) {
    const next = nextElapse(spec, t)
    if (next === null) break
    out.push(new Date(next).toISOString().slice(0, 19).replace('T', ' '))
    t = next
  }
  return out
}

const EXPRESSIONS = [
  '*-*-* 04:30:00',
  '*:*:0/5',
  '*:0/15',
  'daily',
  'hourly',
  'weekly',
  'monthly',
  'quarterly',
  'Mon..Fri 03:00',
  'Sat,Sun *-*-* 02:15:30',
  '*-*-01,15 00:00',
  '2027-02-28 23:59:59',
  '*-02-29 12:00',
]

describe('OnCalendar expressions (the backup schedule)', () => {
  it('refuses what is not a calendar event, naming the part', () => {
    expect(() => parseCalendar('every day')).toThrow(/neither a date|not Mon..Sun/)
    expect(() => parseCalendar('*-13-01 00:00')).toThrow(/month "13" is outside 1..12/)
    expect(() => parseCalendar('*-*-* 25:00')).toThrow(/hour "25" is outside 0..23/)
    expect(() => parseCalendar('*-*-* 04:30:00/0')).toThrow(/repetition must be at least 1/)
    expect(() => parseCalendar('Fri..Mon 04:00')).toThrow(/runs backwards/)
    expect(() => parseCalendar('')).toThrow(/not a calendar event/)
  })

  it('names a bad schedule in topology validation', () => {
    const base = {
      cluster: 'tsr',
      secrets: { cluster: { env: 'S' } },
      nodes: [{ name: 'a', address: '10.0.0.1', transport: { local: true } }],
      services: [{ kind: 'center', node: 'a', ports: { cluster: 3800, admin: 3809 } }],
    }
    expect(() =>
      parseTopology({ ...base, mariadb: { node: 'a', backupSchedule: '*-*-* 24:00', backupKeep: 0 } }),
    ).toThrow(/mariadb\.backupSchedule: not a calendar event: hour "24"[\s\S]*mariadb\.backupKeep/)
    const t = parseTopology({ ...base, mariadb: { node: 'a', backupSchedule: 'Mon..Fri 03:00' } })
    expect(t.mariadb).toMatchObject({ backupKeep: 14, backupRandomDelaySec: 300 })
  })

  describe.runIf((hasAnalyze || process.env.CI === 'true') && utc)(
    'agrees with systemd-analyze calendar',
    () => {
      for (const expr of EXPRESSIONS)
        it(expr, () => {
          for (const base of ['2026-03-01 10:00:07', '2027-12-31 23:59:58'])
            expect(ours(expr, base, 4)).toEqual(systemdElapses(expr, base, 4))
        })
    },
  )
})
