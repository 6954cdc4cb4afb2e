#!/usr/bin/env node
// tessera-bots: players that play through a cluster with @tessera/client and
// check every answer; a live view while they play, a report at the end.
//
//   tessera-bots --login http://127.0.0.1:3800 --bots 200 --ramp-per-s 20 --duration 120
//   tessera-bots --login URL --scenario hostile --bots 50 --hostile flood=3,slow-reader=2
//   tessera-bots --login URL --bots 100000 --processes 8 --source-ips 127.0.0.2-9 --scenario idle-hold
//
// Exit status: 0 every threshold met, 1 a threshold missed or a failure
// (BOTS_THRESHOLD_MISSED, printed after the report), 2 bad flags.
import { writeFileSync } from 'node:fs'
import { type CliIo, isMain, runTool, stdio, UsageError } from '@tessera/cli-kit'
import { hideBin } from 'yargs/helpers'
import { BotsThresholdMissed } from './errors.js'
import { defaultHostileCounts, POLITE, POLITE_UNDER_ATTACK } from './hostile/hostile-scenario.js'
import { hostileKinds } from './hostile/kinds.js'
import { parseSourceIps } from './net/source-ips.js'
import { MAX_BOTS_PER_PROCESS, runInProcesses } from './run/processes.js'
import { type RunOptions, type RunSnapshot, runBots } from './run/run-bots.js'
import { scenarios } from './scenarios/index.js'
import { buildReport, reportMarkdown } from './stats/report.js'
import { LiveView } from './view/live-view.js'

/** Ephemeral ports one source address has towards one destination (Linux default range). */
const PORTS_PER_ADDRESS = 28_000

function parseHostile(spec: string | undefined): Record<string, number> {
  const counts = { ...defaultHostileCounts }
  if (spec === undefined) return counts
  for (const item of spec.split(',').filter(Boolean)) {
    const m = /^([a-z-]+)=(\d+)$/.exec(item.trim())
    if (!m || !hostileKinds[m[1]!])
      throw new UsageError(
        `--hostile wants kind=count items, kinds: ${Object.keys(hostileKinds).join(', ')}; got "${item}"`,
      )
    counts[m[1]!] = Number(m[2])
  }
  return counts
}

export interface CliHooks {
  /** Wind the run down (the CLI's own SIGINT handler uses it). */
  stop?: AbortSignal
  /** Live view stream (tests). */
  view?: NodeJS.WriteStream
}

/** Run the CLI; resolves to the exit status. */
export function runCli(argv: readonly string[], io: CliIo = stdio, hooks: CliHooks = {}): Promise<number> {
  return runTool('tessera-bots', argv, io, (y) =>
    y
      .option('login', { type: 'string', demandOption: true, describe: "login's HTTP JSON API base URL" })
      .option('scenario', { choices: Object.keys(scenarios), default: 'play', describe: 'what the bots do' })
      .option('bots', { type: 'number', default: 10, describe: 'bots in the run (hostile: polite ones)' })
      .option('stack', { choices: ['tcp', 'ws'] as const, default: 'tcp' as const })
      .option('ramp-per-s', { type: 'number', default: 20, describe: 'bots started per second' })
      .option('duration', { type: 'number', default: 120, describe: 'hard bound of the run, seconds' })
      .option('rounds', {
        type: 'number',
        default: 1,
        describe: 'rounds per bot (play, login-storm); 0 = until the run ends',
      })
      .option('idle-ms', {
        type: 'number',
        default: 2000,
        describe: 'play: idle time in a round (random up to this)',
      })
      .option('processes', {
        type: 'number',
        default: 1,
        describe: `bot processes (at most ${MAX_BOTS_PER_PROCESS} bots each)`,
      })
      .option('source-ips', { type: 'string', describe: 'local addresses to connect from, e.g. 127.0.0.2-9' })
      .option('hostile', {
        type: 'string',
        describe: `hostile: attempts per kind, e.g. flood=3,slow-reader=2 (kinds: ${Object.keys(hostileKinds).join(', ')})`,
      })
      .option('hostile-ips', {
        type: 'string',
        default: '127.0.0.240-254',
        describe: 'hostile: addresses hostile bots connect from (one per kind), apart from the polite ones',
      })
      .option('baseline-s', {
        type: 'number',
        describe: 'hostile: polite bots play alone this long first (default a third of --duration)',
      })
      .option('hostile-every', {
        type: 'number',
        default: 0,
        describe:
          'hostile: attack again this many seconds after each series ends, until the run ends (0 = once)',
      })
      .option('chat-rate', {
        type: 'number',
        default: 2,
        describe: "the cluster's chat.ratePerSec: bots pace their lines inside it",
      })
      .option('chat-burst', { type: 'number', default: 5, describe: "the cluster's chat.burst" })
      .option('chat-channels', {
        type: 'number',
        default: 8,
        describe: 'play, chat-heavy: named channels the bots share (bots-0, bots-1, ...)',
      })
      .option('chat-world-every', {
        type: 'number',
        default: 3,
        describe: 'play: chat in the world channel every N rounds (the first always)',
      })
      .option('chat-lines-per-s', {
        type: 'number',
        default: 1,
        describe: 'chat-heavy: lines each bot sends per second',
      })
      .option('chat-exceed', {
        type: 'boolean',
        default: false,
        describe:
          'chat-heavy: send at --chat-lines-per-s even past --chat-rate; CHAT_RATE_LIMITED refusals are then expected and counted',
      })
      .option('report', { type: 'string', describe: 'write the Markdown report to this file' })
      .option('json', { type: 'string', describe: 'write the JSON report to this file' })
      .option('view', {
        choices: ['auto', 'plain', 'off'] as const,
        default: 'auto' as const,
        describe: 'live view: redrawn on a terminal, plain lines otherwise',
      })
      .option('max-error-rate', { type: 'number', default: 0, describe: 'failed bots / bots allowed (0..1)' })
      .option('max-p99-ms', { type: 'number', describe: 'p99 allowed for every request type of polite bots' })
      .check((a) => {
        if (!/^https?:\/\//.test(a.login))
          throw new UsageError(`--login must be an http(s) URL, got ${a.login}`)
        for (const k of ['bots', 'duration', 'processes'] as const)
          if (!Number.isInteger(a[k]) || a[k] < 1) throw new UsageError(`--${k} must be a whole number >= 1`)
        for (const k of ['rounds', 'idle-ms'] as const)
          if (!Number.isInteger(a[k]) || a[k] < 0) throw new UsageError(`--${k} must be a whole number >= 0`)
        if (!(a['ramp-per-s'] > 0)) throw new UsageError('--ramp-per-s must be > 0')
        for (const k of ['chat-rate', 'chat-lines-per-s'] as const)
          if (!(a[k] > 0)) throw new UsageError(`--${k} must be > 0`)
        for (const k of ['chat-burst', 'chat-channels', 'chat-world-every'] as const)
          if (!Number.isInteger(a[k]) || a[k] < 1) throw new UsageError(`--${k} must be a whole number >= 1`)
        if (a.scenario === 'chat-heavy' && !a['chat-exceed'] && a['chat-lines-per-s'] > a['chat-rate'])
          throw new UsageError(
            `--chat-lines-per-s ${a['chat-lines-per-s']} is over --chat-rate ${a['chat-rate']}: give --chat-exceed to send past the rate limit on purpose`,
          )
        if (!(a['max-error-rate'] >= 0 && a['max-error-rate'] <= 1))
          throw new UsageError('--max-error-rate must be within 0..1')
        if (a.bots / a.processes > MAX_BOTS_PER_PROCESS)
          throw new UsageError(
            `${a.bots} bots in ${a.processes} process(es) is over ${MAX_BOTS_PER_PROCESS} per process (the open-files limit): use --processes ${Math.ceil(a.bots / MAX_BOTS_PER_PROCESS)} or more`,
          )
        if (!(a['hostile-every'] >= 0)) throw new UsageError('--hostile-every must be >= 0')
        if (a['baseline-s'] !== undefined && !(a['baseline-s'] >= 0 && a['baseline-s'] < a.duration))
          throw new UsageError('--baseline-s must be within 0..--duration')
        return true
      })
      .command(
        '$0',
        'run the bots',
        () => {},
        async (a) => {
          let sourceIps: string[] = []
          let hostileIps: string[] = []
          try {
            if (a['source-ips']) sourceIps = parseSourceIps(a['source-ips'])
            if (a['hostile-ips']) hostileIps = parseSourceIps(a['hostile-ips'])
          } catch (err) {
            throw new UsageError(`--source-ips/--hostile-ips: ${(err as Error).message}`)
          }
          if (a.bots / Math.max(1, sourceIps.length) > PORTS_PER_ADDRESS)
            throw new UsageError(
              `${a.bots} bots need more than one source address's ports: give --source-ips with at least ${Math.ceil(a.bots / PORTS_PER_ADDRESS)} addresses`,
            )
          const options: Omit<RunOptions, 'onTick' | 'stop'> = {
            login: a.login,
            scenario: a.scenario,
            bots: a.bots,
            stack: a.stack,
            rampPerS: a['ramp-per-s'],
            durationS: a.duration,
            sourceIps,
            options: {
              rounds: a.rounds,
              idleMs: a['idle-ms'],
              hostile: parseHostile(a.hostile),
              baselineS: a['baseline-s'] ?? Math.floor(a.duration / 3),
              hostileEveryS: a['hostile-every'],
              hostileIps,
              chat: {
                ratePerSec: a['chat-rate'],
                burst: a['chat-burst'],
                channels: a['chat-channels'],
                worldEvery: a['chat-world-every'],
                linesPerSec: a['chat-lines-per-s'],
                exceedRate: a['chat-exceed'],
              },
            },
          }
          const view =
            a.view === 'off'
              ? null
              : new LiveView({
                  durationS: a.duration,
                  title: `${a.scenario} ×${a.bots} over ${a.stack}`,
                  stream: hooks.view,
                  ...(a.view === 'plain' ? { tty: false } : {}),
                })
          let runs: RunSnapshot[]
          if (a.processes === 1)
            runs = [await runBots({ ...options, stop: hooks.stop, onTick: (s) => view?.update([s]) })]
          else
            runs = await runInProcesses(options, a.processes, {
              stop: hooks.stop,
              onTick: (r) => view?.update(r),
            })
          view?.update(runs, true)
          const report = buildReport({
            scenario: a.scenario,
            stack: a.stack,
            processes: a.processes,
            runs,
            phaseOf: { [POLITE_UNDER_ATTACK]: POLITE },
            maxErrorRate: a['max-error-rate'],
            maxP99Ms: a['max-p99-ms'],
          })
          const md = reportMarkdown(report)
          io.out(md)
          if (a.report) writeFileSync(a.report, md)
          if (a.json) writeFileSync(a.json, `${JSON.stringify(report, null, 2)}\n`)
          if (report.missed.length) throw new BotsThresholdMissed(report.missed.join('; '))
        },
      ),
  )
}

if (isMain(import.meta.url)) {
  // Ctrl-C: the bots wind down and the report is still printed; a second one exits at once.
  const stop = new AbortController()
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130)
    stop.abort()
  })
  process.on('SIGTERM', () => stop.abort())
  process.exitCode = await runCli(hideBin(process.argv), stdio, { stop: stop.signal })
}
