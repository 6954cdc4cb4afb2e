#!/usr/bin/env node
// tessera-bots: players that play through a cluster with @tessera/client and
// check every answer.
//
//   tessera-bots --login http://127.0.0.1:3800 --bots 50 --stack ws --concurrency 10
//   tessera-bots --login URL --bots 200 --report run.md --json run.json --max-error-rate 0
//
// Exit status: 0 every threshold met, 1 a threshold missed or a failure
// (BOTS_THRESHOLD_MISSED, printed with the report), 2 bad flags.
import { writeFileSync } from 'node:fs'
import { type CliIo, isMain, runTool, stdio, UsageError } from '@tessera/cli-kit'
import { hideBin } from 'yargs/helpers'
import { reportMarkdown } from './bot-stats.js'
import { BotsThresholdMissed } from './errors.js'
import { runBots } from './run-bots.js'

/** Run the CLI; resolves to the exit status. */
export function runCli(argv: readonly string[], io: CliIo = stdio): Promise<number> {
  return runTool('tessera-bots', argv, io, (y) =>
    y
      .option('login', { type: 'string', demandOption: true, describe: "login's HTTP JSON API base URL" })
      .option('bots', {
        type: 'number',
        default: 10,
        describe: 'players to run (each plays the scenario once)',
      })
      .option('concurrency', { type: 'number', default: 10, describe: 'players playing at the same time' })
      .option('stack', { choices: ['tcp', 'ws'] as const, default: 'tcp' as const })
      .option('scenario', { choices: ['play'] as const, default: 'play' as const })
      .option('duration', { type: 'number', default: 120, describe: 'hard bound of the run, seconds' })
      .option('report', { type: 'string', describe: 'write the Markdown report to this file' })
      .option('json', { type: 'string', describe: 'write the JSON report to this file' })
      .option('max-error-rate', { type: 'number', default: 0, describe: 'failed bots / bots allowed (0..1)' })
      .option('max-p99-ms', { type: 'number', describe: 'p99 allowed for every request type' })
      .check((a) => {
        if (!/^https?:\/\//.test(a.login))
          throw new UsageError(`--login must be an http(s) URL, got ${a.login}`)
        for (const k of ['bots', 'concurrency', 'duration'] as const)
          if (!Number.isInteger(a[k]) || a[k] < 1) throw new UsageError(`--${k} must be a whole number >= 1`)
        if (!(a['max-error-rate'] >= 0 && a['max-error-rate'] <= 1))
          throw new UsageError('--max-error-rate must be within 0..1')
        return true
      })
      .command(
        '$0',
        'run the bots',
        () => {},
        async (a) => {
          const tty = process.stderr.isTTY === true
          const r = await runBots({
            login: a.login,
            bots: a.bots,
            concurrency: a.concurrency,
            stack: a.stack,
            durationS: a.duration,
            onProgress: (done, failed) => {
              if (tty) process.stderr.write(`\r${done}/${a.bots} bots done, ${failed} failed`)
            },
          })
          if (tty) process.stderr.write('\n')
          const md = reportMarkdown(r)
          io.out(md)
          if (a.report) writeFileSync(a.report, md)
          if (a.json) writeFileSync(a.json, `${JSON.stringify(r, null, 2)}\n`)
          const missed: string[] = []
          if (r.failed / r.bots > a['max-error-rate'])
            missed.push(`${r.failed} of ${r.bots} bots failed (allowed ${a['max-error-rate']})`)
          const maxP99 = a['max-p99-ms']
          if (maxP99 !== undefined)
            for (const [k, f] of Object.entries(r.requests))
              if (f.p99Ms > maxP99) missed.push(`${k} p99 ${f.p99Ms} ms > ${maxP99} ms`)
          if (missed.length) throw new BotsThresholdMissed(missed.join('; '))
        },
      ),
  )
}

if (isMain(import.meta.url)) process.exitCode = await runCli(hideBin(process.argv))
