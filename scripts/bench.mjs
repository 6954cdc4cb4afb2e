#!/usr/bin/env node
// Runs every benchmark (files named *.bench.ts under packages/*/bench,
// services/*/bench and bench/), each in its own Node process so one cannot
// skew another's heap, and rewrites docs/benchmarks.md from their results.
//
// Contract for a bench file: a standalone script that prints whatever it
// likes for humans and, as one line, `BENCH_JSON <json>` where json is
// { title, command?, columns: string[], rows: (string|number)[][], notes?: string[] }.
// A bench may print several BENCH_JSON lines (one table each).
//
// Usage: pnpm bench [filter...]   (filters match the file path)
//        pnpm bench --no-write    (do not touch docs/benchmarks.md)
//        pnpm bench --render      (rewrite docs/benchmarks.md from docs/bench-results.json, run nothing)
//        pnpm bench --json FILE   (also write this run's tables to FILE, e.g. for the CI's artifacts)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const noWrite = args.includes('--no-write')
const smoke = args.includes('--smoke')
const renderOnly = args.includes('--render')
const jsonArg = args.indexOf('--json')
const jsonOut = jsonArg >= 0 ? args[jsonArg + 1] : undefined
if (jsonArg >= 0 && !jsonOut) throw new Error('--json needs a file name')
const filters = args.filter((a, i) => !a.startsWith('--') && (jsonArg < 0 || i !== jsonArg + 1))

function findBenches() {
  const out = []
  const dirs = []
  for (const group of ['packages', 'services', 'tools']) {
    const g = path.join(root, group)
    if (!existsSync(g)) continue
    for (const pkg of readdirSync(g)) dirs.push(path.join(g, pkg, 'bench'))
  }
  dirs.push(path.join(root, 'bench'))
  for (const d of dirs) {
    if (!existsSync(d)) continue
    for (const f of readdirSync(d).sort()) if (f.endsWith('.bench.ts')) out.push(path.join(d, f))
  }
  // Match the path inside the repo (the checkout's own path may contain any word).
  return out.filter((f) => filters.length === 0 || filters.some((x) => path.relative(root, f).includes(x)))
}

// Benches share the test MariaDB (started on first use); stop it at the end
// if this run started it and no test run holds a lease on it (see
// packages/storage/src/testing/global-setup.ts).
const sharedDb = path.join(os.tmpdir(), `tessera-mariadb-${os.userInfo().uid}`)
const mariadbSh = path.join(root, 'scripts/mariadb/mariadb.sh')
const dbUp = () => spawnSync('bash', [mariadbSh, 'status', sharedDb], { stdio: 'ignore' }).status === 0
const dbWasUp = renderOnly || process.env.MYSQL_URL ? true : dbUp()
// A lease like a test run's, so a test run ending meanwhile leaves the server to us.
const lease = path.join(sharedDb, 'users', String(process.pid))
if (!renderOnly && !process.env.MYSQL_URL) {
  mkdirSync(path.dirname(lease), { recursive: true })
  writeFileSync(lease, String(process.pid))
}

const results = []
/** Benches that failed: file and the last lines they wrote to stderr (repeated at the end of stdout). */
const failures = []

/** One bench in its own process: stdout and stderr shown live, stderr's tail kept for the summary. */
function runBench(file) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', '--conditions=tessera-source', '--import', 'tsx', file],
      {
        cwd: root,
        env: { ...process.env, TESSERA_BENCH_SMOKE: smoke ? '1' : '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const tables = []
    const tail = []
    const lines = (stream, onLine) => {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n')
        rest = parts.pop()
        for (const l of parts) onLine(l)
      })
      stream.on('end', () => rest && onLine(rest))
    }
    lines(child.stdout, (line) => {
      if (line.startsWith('BENCH_JSON ')) tables.push(JSON.parse(line.slice(11)))
      else if (line) console.log(line)
    })
    lines(child.stderr, (line) => {
      process.stderr.write(`${line}\n`)
      tail.push(line)
      if (tail.length > 30) tail.shift()
    })
    child.on('close', (status, signal) => resolve({ status: status ?? signal, tables, tail }))
  })
}

for (const file of renderOnly ? [] : findBenches()) {
  const rel = path.relative(root, file)
  console.log(`\n### ${rel}`)
  let r = await runBench(file)
  // A smoke run checks that every bench still runs; on a shared machine one
  // may trip over a neighbour (a lost member, a window it could not fill),
  // so a failed bench gets one more run there. Both failures are reported.
  if (r.status !== 0 && smoke) {
    failures.push({ file: rel, status: r.status, tail: r.tail, retried: true })
    console.error(`bench ${rel} failed with status ${r.status}; running it once more (smoke)`)
    r = await runBench(file)
  }
  for (const t of r.tables) results.push({ file: rel, ...t })
  if (r.status !== 0) {
    failures.push({ file: rel, status: r.status, tail: r.tail, retried: false })
    console.error(`bench ${rel} failed with status ${r.status}`)
    process.exitCode = 1
  }
}

function table(t) {
  const lines = [`| ${t.columns.join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`]
  for (const row of t.rows) lines.push(`| ${row.join(' | ')} |`)
  return lines.join('\n')
}

// Results are kept per bench file in docs/bench-results.json so a filtered
// run (`pnpm bench timer`) refreshes only its own sections of the doc.
if (!noWrite && !smoke && (results.length || renderOnly)) {
  const store = path.join(root, 'docs/bench-results.json')
  const all = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : {}
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu'
  const machine = `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${os.cpus().length} × ${cpu}`
  const ranFiles = new Set(results.map((t) => t.file))
  for (const f of ranFiles) all[f] = { machine, tables: results.filter((t) => t.file === f) }
  writeFileSync(store, `${JSON.stringify(all, null, 2)}\n`)
  const head = [
    '# Benchmarks',
    '',
    'Generated by `pnpm bench` (scripts/bench.mjs) from docs/bench-results.json; do not edit by',
    'hand. Every benchmark runs a baseline beside ours in the same run, so the ratios matter more',
    'than the absolute figures: these machines are shared and noisy. `pnpm bench NAME` reruns one',
    'file and refreshes only its sections.',
    '',
  ]
  const body = Object.keys(all)
    .sort()
    .flatMap((f) =>
      all[f].tables.map((t) =>
        [
          `## ${t.title}`,
          '',
          `Command: \`${t.command ?? `pnpm bench ${path.basename(f, '.bench.ts')}`}\` (source: \`${f}\`; run ${all[f].machine})`,
          '',
          table(t),
          '',
          ...(t.notes ?? []).map((n) => `- ${n}`),
          '',
        ].join('\n'),
      ),
    )
  writeFileSync(path.join(root, 'docs/benchmarks.md'), `${head.join('\n')}\n${body.join('\n')}`)
  console.log('\nwrote docs/benchmarks.md')
}
for (const t of results) console.log(`\n## ${t.title}\n\n${table(t)}`)
if (jsonOut) {
  const out = path.resolve(jsonOut)
  mkdirSync(path.dirname(out), { recursive: true })
  const run = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, smoke }
  writeFileSync(out, `${JSON.stringify({ ...run, results }, null, 2)}\n`)
  console.log(`\nwrote ${out}`)
}
// The failures again, last: a CI log often keeps only the end of the output.
for (const f of failures) {
  const what = f.retried ? 'failed (ran again)' : 'FAILED'
  console.log(`\n## bench ${f.file} ${what}: status ${f.status}; its last lines on stderr:\n`)
  for (const l of f.tail) console.log(`    ${l}`)
}
rmSync(lease, { force: true })
if (!dbWasUp && dbUp() && !leaseHeld() && process.env.TESSERA_KEEP_MARIADB !== '1')
  spawnSync('bash', [mariadbSh, 'stop', sharedDb], { stdio: 'inherit', timeout: 120_000 })

function leaseHeld() {
  const users = path.join(sharedDb, 'users')
  if (!existsSync(users)) return false
  return readdirSync(users).some((name) => {
    if (Number(name) === process.pid) return false
    try {
      process.kill(Number(name), 0)
      return true
    } catch (err) {
      return err.code === 'EPERM'
    }
  })
}
