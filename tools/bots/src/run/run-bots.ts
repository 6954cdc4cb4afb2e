// Runs the bots of one process: the scenario's roles started at the ramp
// rate, each a player as a game client is, over the source addresses in
// turn; a snapshot of the figures every tick; wound down at the end of
// --duration (or on stop) and cut at the hard deadline, so every run ends.
import { setMaxListeners } from 'node:events'
import { BotsDeadline } from '../errors.js'
import { type Stack, Transports } from '../net/transports.js'
import type { BotContext, ScenarioOptions } from '../scenarios/bot-context.js'
import { scenarios } from '../scenarios/index.js'
import { BotStats, type StatsSnapshot } from '../stats/bot-stats.js'

export interface RunOptions {
  /** Login's HTTP JSON API, e.g. http://127.0.0.1:3800 */
  login: string
  scenario: string
  bots: number
  stack: Stack
  /** Bots started per second. */
  rampPerS: number
  /** The whole run, seconds: bots wind down before it and are cut at it. */
  durationS: number
  /** Local addresses bots connect from, in turn (empty: the OS picks). */
  sourceIps: readonly string[]
  /** Makes bot names unique across processes. */
  namePrefix?: string
  options: ScenarioOptions
  /** Called every `tickMs` with the figures so far (live view, parent process). */
  onTick?: (s: RunSnapshot) => void
  tickMs?: number
  /** Wind down now (Ctrl-C, the parent asking). */
  stop?: AbortSignal
}

export interface RunSnapshot {
  elapsedMs: number
  /** Figures by stats group. */
  groups: Record<string, StatsSnapshot>
  /** Bots started so far. */
  started: number
  done: boolean
}

/**
 * Time before the hard deadline at which bots stop starting rounds: enough
 * to finish one (15 s), and for many bots to leave at the pace they came
 * (--ramp-per-s): every bot's last round ends with a logout, and 2,000
 * idle-hold bots logging out within 15 s overran login on the bench box
 * (BOTS_DEADLINE). At most a quarter of the run.
 */
export function windDownS(durationS: number, bots = 0, rampPerS = Number.POSITIVE_INFINITY): number {
  return Math.min(Math.max(15, bots / rampPerS), Math.max(1, durationS / 4))
}

export async function runBots(o: RunOptions): Promise<RunSnapshot> {
  const scenario = scenarios[o.scenario]
  if (!scenario) throw new RangeError(`unknown scenario ${o.scenario}`)
  const roles = scenario.roles(o.bots, o.options)
  const groups = new Map<string, BotStats>()
  const group = (name: string) => {
    let g = groups.get(name)
    if (!g) {
      g = new BotStats()
      groups.set(name, g)
    }
    return g
  }
  for (const r of roles) group(r.group).target++
  /** The group each role group records into now (phases switch it). */
  const current = new Map<string, BotStats>([...groups].map(([k, v]) => [k, v]))

  const polite = (o.sourceIps.length ? o.sourceIps : [undefined]).map((ip) => new Transports(o.login, ip))
  const hostileNet = (o.options.hostileIps.length ? o.options.hostileIps : [undefined]).map(
    (ip) => new Transports(o.login, ip),
  )
  const windDown = new AbortController()
  // Every bot waits on it (idle steps): one listener per bot is expected, not a leak.
  setMaxListeners(0, windDown.signal)
  const started0 = performance.now()
  const elapsed = () => performance.now() - started0
  const open = new Set<{ close(): unknown }>()
  const running = new Map<string, Promise<void>>()
  const runningIndex = new Map<string, number>()
  let started = 0
  /** Past the hard deadline: bots still running were failed already; their late ends are not counted. */
  let over = false

  const snapshot = (done: boolean): RunSnapshot => ({
    elapsedMs: Math.round(elapsed()),
    groups: Object.fromEntries([...groups].map(([k, g]) => [k, g.snapshot()])),
    started,
    done,
  })

  const timers: NodeJS.Timeout[] = []
  for (const p of scenario.phases?.(o.options) ?? [])
    timers.push(setTimeout(() => current.set(p.from, group(p.to)), p.atS * 1000))
  const tick = o.onTick && setInterval(() => o.onTick?.(snapshot(false)), o.tickMs ?? 1000)

  const startBot = (i: number) => {
    const role = roles[i]!
    const name = `${o.namePrefix ?? ''}${i}`
    const base = group(role.group)
    const ctx: BotContext = {
      name,
      stack: o.stack,
      net:
        role.hostile === undefined
          ? polite[i % polite.length]!
          : hostileNet[role.hostile % hostileNet.length]!,
      get stats() {
        return current.get(role.group)!
      },
      stop: windDown.signal,
      options: o.options,
      track(c) {
        open.add(c)
        return () => open.delete(c)
      },
      connected(delta) {
        base.connected += delta
      },
    }
    started++
    const p = role
      .run(ctx)
      .then(
        () => {
          if (!over) ctx.stats.played++
        },
        (err) => {
          if (!over) ctx.stats.fail(name, err)
        },
      )
      .finally(() => {
        running.delete(name)
        runningIndex.delete(name)
      })
    running.set(name, p)
    runningIndex.set(name, i)
  }

  // Start at the ramp rate; stop starting when winding down.
  const ramp = new Promise<void>((resolve) => {
    let i = 0
    const every = 1000 / Math.max(0.001, o.rampPerS)
    const next = () => {
      if (windDown.signal.aborted || i >= roles.length) return resolve()
      // Catch up if timers ran late: start every bot whose time has come.
      while (i < roles.length && i * every <= elapsed()) startBot(i++)
      if (i >= roles.length) return resolve()
      timers.push(setTimeout(next, Math.max(1, i * every - elapsed())))
    }
    next()
  })

  const durationMs = o.durationS * 1000
  const windDownMs = windDownS(o.durationS, roles.length, o.rampPerS) * 1000
  timers.push(setTimeout(() => windDown.abort(), durationMs - windDownMs))
  let hardDeadline: () => void = () => {}
  const deadline = new Promise<'deadline'>((resolve) => {
    hardDeadline = () => resolve('deadline')
    timers.push(setTimeout(hardDeadline, durationMs))
  })
  const onStop = () => {
    windDown.abort()
    // Leave the bots the wind-down time to finish their round, within the duration.
    timers.push(setTimeout(hardDeadline, Math.min(windDownMs, Math.max(0, durationMs - elapsed()))))
  }
  if (o.stop?.aborted) onStop()
  else o.stop?.addEventListener('abort', onStop, { once: true })

  const all = (async () => {
    await ramp
    while (running.size > 0) await Promise.all([...running.values()])
    return 'done' as const
  })()
  const how = await Promise.race([all, deadline])
  if (how === 'deadline') {
    over = true
    for (const [name, i] of runningIndex)
      current.get(roles[i]!.group)!.fail(name, new BotsDeadline(o.durationS))
    for (const c of open) await Promise.resolve(c.close()).catch(() => {})
  }
  // Bots the ramp never reached within the run.
  for (let i = started; i < roles.length; i++)
    group(roles[i]!.group).fail(`${o.namePrefix ?? ''}${i}`, new BotsDeadline(o.durationS))
  for (const t of timers) clearTimeout(t)
  if (tick) clearInterval(tick)
  o.stop?.removeEventListener('abort', onStop)
  return snapshot(true)
}
