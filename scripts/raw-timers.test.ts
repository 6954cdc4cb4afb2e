import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Kernel timers go through an injected Scheduler (the service's
// `ctx.timers`, a TimerWheel on a ManualClock in tests, or systemTimers()),
// so tests can drive every deadline with a manual clock. This scan keeps raw
// Node timers from creeping back into packages/kernel/src: a new one fails
// here unless it joins the allow-list below with its reason.

const repo = fileURLToPath(new URL('..', import.meta.url))
const root = path.join(repo, 'packages/kernel/src')

/** Files allowed raw timers, with how many and why. */
const ALLOWED: Record<string, { count: number; why: string }> = {
  'timer/timer-wheel.ts': { count: 1, why: 'the one Node timeout that drives the wheel itself' },
  'app/application.ts': {
    count: 1,
    why: 'the shutdown guard: it must fire after the stop it guards has stopped the wheel',
  },
}

// A bare call (setTimeout(…), or one imported from node:timers[/promises])
// or through globalThis. A method such as socket.setTimeout() is the
// socket's own inactivity timer, bound to its lifetime, and is not matched.
const RAW = /(?<![.\w$])set(?:Timeout|Interval)\s*\(|globalThis\.set(?:Timeout|Interval)\s*\(/g

/** Raw timer calls in `text`, comments left out. */
function rawTimerCalls(text: string): number {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  return code.match(RAW)?.length ?? 0
}

/** Runtime sources: tests and their fixtures (sleeps in test helpers) are not kernel code paths. */
function sources(dir: string, rel = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) {
      if (e.name !== 'fixtures') out.push(...sources(path.join(dir, e.name), r))
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(r)
  }
  return out
}

describe('raw timers in packages/kernel/src', () => {
  it('recognises raw timer calls and leaves methods and comments alone', () => {
    expect(rawTimerCalls('const t = setTimeout(fn, 5)')).toBe(1)
    expect(rawTimerCalls('this.t = setInterval(tick, ms, this)')).toBe(1)
    expect(rawTimerCalls('await setTimeout (5)')).toBe(1)
    expect(rawTimerCalls('globalThis.setTimeout(fn, 1)')).toBe(1)
    expect(rawTimerCalls('socket.setTimeout(ms, () => socket.destroy())')).toBe(0)
    expect(rawTimerCalls('// a setTimeout(fn) would do\n/* setInterval(x) */')).toBe(0)
    expect(rawTimerCalls("const a = 'x' // setTimeout(fn)")).toBe(0)
  })

  it('has none outside the allow-list, and the allow-list is exact', () => {
    const found: Record<string, number> = {}
    for (const rel of sources(root)) {
      const n = rawTimerCalls(readFileSync(path.join(root, rel), 'utf8'))
      if (n > 0) found[rel] = n
    }
    const allowed = Object.fromEntries(Object.entries(ALLOWED).map(([f, a]) => [f, a.count]))
    // A file not listed, or a listed file with more (or fewer) raw timers than its reason covers.
    expect(found).toEqual(allowed)
  })
})
