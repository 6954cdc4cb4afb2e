#!/usr/bin/env node
// Soak: the full local cluster (scripts/local-cluster.mjs: MariaDB, center,
// login ×2, logic ×2, gateway ×2) under polite bots playing beside hostile
// bots that attack again and again, for a fixed time. Every service's
// /metrics is sampled; after warm-up RSS, heap, open files, event-loop lag
// and the storage backlog must stay flat (scripts/soak/judge.ts). The
// report folder gets samples.json, report.md and curves.html (the charts).
//
//   pnpm soak                        (30 minutes, 200 bots; after pnpm build)
//   (pnpm soak is node --import tsx scripts/soak/soak.ts)
//   pnpm soak --minutes 5 --bots 50
//   --sample-s S        seconds between samples (default 10)
//   --warmup-min M      not judged (default a sixth of the run, at most 5)
//   --hostile-every S   hostile bots attack again S seconds after each series (default 60)
//   --report DIR        report folder (default .tmp/soak; the cluster's run folder is DIR/cluster)
//   --judge report-only the verdict is printed but does not set the exit status
//   --source            run the TypeScript sources through tsx (tests)
//   --center-database N the center's database name (tests)
// Exit 0 only when the bots played clean, every service stopped cleanly and
// every figure is flat. MYSQL_URL points it at an existing server.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderChartsHtml } from './chart.js'
import { FIGURES, judgeSoak, type Sample, type SoakRow } from './judge.js'
import { parseMetrics, sampleValues } from './metrics.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(name)
const value = (name: string, dflt?: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const minutes = Number(value('--minutes', '30'))
const bots = Number(value('--bots', '200'))
const sampleS = Number(value('--sample-s', '10'))
const warmupS = Number(value('--warmup-min', String(Math.min(5, minutes / 6)))) * 60
const hostileEvery = Number(value('--hostile-every', '60'))
const reportDir = path.resolve(value('--report', path.join(root, '.tmp/soak')) as string)
const judgeMode = value('--judge', 'on')
for (const [k, v, min] of <[string, number, number][]>[
  ['--minutes', minutes, 0.5],
  ['--bots', bots, 2],
  ['--sample-s', sampleS, 1],
  ['--warmup-min', warmupS, 0],
  ['--hostile-every', hostileEvery, 1],
])
  if (!Number.isFinite(v) || v < min) {
    process.stderr.write(`soak: ${k} must be a number >= ${min}\n`)
    process.exit(2)
  }
if (!['on', 'report-only'].includes(judgeMode as string)) {
  process.stderr.write('soak: --judge must be on or report-only\n')
  process.exit(2)
}
const durationS = Math.round(minutes * 60)
if (warmupS >= durationS) {
  process.stderr.write('soak: --warmup-min must be shorter than --minutes\n')
  process.exit(2)
}

const say = (msg: string) => process.stdout.write(`\x1b[1;35m[soak]\x1b[0m ${msg}\n`)
mkdirSync(reportDir, { recursive: true })
const clusterDir = path.join(reportDir, 'cluster')
const clusterArgs = [
  'scripts/local-cluster.mjs',
  '--smoke',
  '--duration',
  String(durationS),
  '--bots',
  String(bots),
  '--scenario',
  'hostile',
  '--dir',
  clusterDir,
  ...(flag('--source') ? ['--source'] : []),
  ...(value('--center-database') ? ['--center-database', value('--center-database') as string] : []),
  '--',
  // Polite bots alone for a short baseline, then hostile ones attack again and again until the end.
  '--baseline-s',
  String(Math.min(120, Math.floor(durationS / 6))),
  '--hostile-every',
  String(hostileEvery),
]
const cluster = spawn(process.execPath, clusterArgs, {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true, // Ctrl-C is passed on once by us, so the cluster's services drain once
})
const exited = new Promise<number | string | null>((resolve) =>
  cluster.on('exit', (code, signal) => resolve(code ?? signal)),
)

// The cluster's summary lists every metrics URL by service name ("    gateway#200  http://…/metrics").
const targets = new Map<string, string>()
let up: number | null = null
let out = ''
cluster.stdout.setEncoding('utf8').on('data', (c) => {
  process.stdout.write(c)
  out += c
  if (up) return
  // The summary is complete once the bots' start line follows it.
  if (out.includes('Tessera is up') && /\d+ bots play "/.test(out)) {
    for (const m of out.matchAll(/^ {4}(\S+)\s+(http:\/\/\S+\/metrics)$/gm))
      targets.set(m[1] as string, m[2] as string)
    up = Date.now()
    say(
      `sampling ${targets.size} services every ${sampleS} s for ${minutes} min; warm-up ${warmupS / 60} min`,
    )
  }
})

const samples: Sample[] = []
const scrapeErrors = new Map<string, number>()
async function sampleOnce() {
  const t = (Date.now() - (up as number)) / 1000
  await Promise.all(
    [...targets].map(async ([service, url]) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
        if (!res.ok) throw new Error(`HTTP ${res.status}`)
        samples.push({ t, service, values: sampleValues(parseMetrics(await res.text())) })
      } catch (err) {
        // A service restarting (it should not) or too busy to answer: counted, shown in the report.
        scrapeErrors.set(service, (scrapeErrors.get(service) ?? 0) + 1)
        if (scrapeErrors.get(service) === 1)
          say(`${service}: metrics scrape failed (${(err as Error).message})`)
      }
    }),
  )
}

let interrupted = false
process.on('SIGINT', () => {
  if (interrupted) return
  interrupted = true
  say('SIGINT: the cluster stops (bots report, services drain); the report covers what was sampled')
  try {
    process.kill(-(cluster.pid as number), 'SIGINT')
  } catch {}
})
process.on('SIGTERM', () => process.emit('SIGINT'))

let done = false
void exited.then(() => {
  done = true
})
while (!done && up === null) await new Promise((r) => setTimeout(r, 200))
while (!done && up !== null && (Date.now() - up) / 1000 < durationS) {
  const next = Date.now() + sampleS * 1000
  await sampleOnce()
  while (!done && Date.now() < next) await new Promise((r) => setTimeout(r, Math.min(200, next - Date.now())))
}
const clusterCode = await exited

const { rows, ok } = judgeSoak(samples, { warmupS })
const passed = /smoke run passed/.test(out)
const facts = [
  `${new Date().toISOString()} · ${minutes} min · ${bots} polite bots (half tcp, half ws) beside hostile bots attacking every ${hostileEvery} s`,
  `samples every ${sampleS} s from ${targets.size} services; warm-up ${warmupS / 60} min not judged`,
  `cluster run: ${passed ? 'bots played clean, services stopped cleanly' : `FAILED (exit ${clusterCode}); see ${clusterDir}`}`,
  ...[...scrapeErrors].map(([s, n]) => `${s}: ${n} scrapes failed`),
]
writeFileSync(path.join(reportDir, 'samples.json'), `${JSON.stringify({ warmupS, samples }, null, 1)}\n`)
writeFileSync(
  path.join(reportDir, 'curves.html'),
  renderChartsHtml({ samples, warmupS, rows, ok, title: 'Tessera soak', facts }),
)
const show = (r: SoakRow, v: number) => {
  const f = FIGURES[r.figure]
  return `${(v * f.scale).toFixed(1)}${f.unit ? ` ${f.unit}` : ''}`
}
const md = [
  '# Tessera soak',
  '',
  ...facts.map((f) => `- ${f}`),
  '',
  `Verdict: **${ok ? 'flat after warm-up' : 'a figure grows after warm-up'}** (median of the last third of the samples against the first third; curves in curves.html).`,
  '',
  '| service | figure | samples | first third | last third | growth | allowed | slope per hour | verdict |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    r.verdict === 'too-short'
      ? `| ${r.service} | ${FIGURES[r.figure].label} | ${r.points} | | | | | | too short |`
      : `| ${r.service} | ${FIGURES[r.figure].label} | ${r.points} | ${show(r, r.first as number)} | ${show(r, r.last as number)} | ${show(r, r.growth as number)} | ${show(r, r.allowed as number)} | ${show(r, r.slopePerHour as number)} | ${r.verdict} |`,
  ),
  '',
]
writeFileSync(path.join(reportDir, 'report.md'), md.join('\n'))
for (const r of rows.filter((x) => x.verdict === 'grows'))
  say(
    `${r.service}: ${FIGURES[r.figure].label} grows ${show(r, r.growth as number)} (allowed ${show(r, r.allowed as number)})`,
  )
say(`report ${path.join(reportDir, 'report.md')}, curves ${path.join(reportDir, 'curves.html')}`)
const good = passed && clusterCode === 0 && (ok || judgeMode === 'report-only') && !interrupted
say(
  good
    ? 'soak passed'
    : `soak FAILED${!passed || clusterCode !== 0 ? ' (cluster run)' : ok ? '' : ' (a figure grows)'}`,
)
process.exit(good ? 0 : 1)
