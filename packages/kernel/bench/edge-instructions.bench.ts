// User-space instructions per echoed message through the edge, counted by
// valgrind's callgrind (as net-instructions.bench.ts does for the bare
// session): the same servers and load as edge-echo.bench.ts, in a figure
// that does not move with the neighbours on a shared machine. Kernel work
// (syscalls, loopback) is not counted, so the ratios run higher than the
// CPU-time ratios of edge-echo; use it to see what a change to the edge's
// hot path costs or saves (run it on two checkouts and compare).
//
// EDGE_INSTR_CASES=edge-tcp,edge-ws limits the cases. Skipped under --smoke
// (valgrind makes Node ~50× slower) and when valgrind is missing.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, report, smoke } from '@tessera/testkit/bench'
import { edgeLoad } from './edge/edge-load.js'
import { type Load, tcpLoad, wsLoad } from './net/load.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const CLIENTS = 100
const IN_FLIGHT = 8
const PAYLOAD = 32
const WARMUP_MS = 20_000
const WINDOW = 20_000
const CASES = process.env.EDGE_INSTR_CASES?.split(',') ?? [
  'raw-tcp',
  'edge-tcp',
  'raw-ws',
  'edge-ws',
  'edge-ws-aes',
]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function haveValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0
}

async function measure(kase: string): Promise<{ messages: number; instructions: number }> {
  const raw = kase.startsWith('raw-')
  const ws = kase.includes('-ws')
  const aes = kase.endsWith('-aes')
  const server = raw
    ? [path.join(here, 'net/bench-server.ts'), kase]
    : [path.join(here, 'edge/edge-bench-server.ts'), ws ? 'ws' : 'tcp', aes ? 'required' : 'off']
  const proc: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--callgrind-out-file=/dev/null',
      // JIT code is rewritten in place: make valgrind notice.
      '--smc-check=all-non-file',
      process.execPath,
      ...process.execArgv,
      ...server,
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  )
  let stderr = ''
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  try {
    const first = await new Promise<{ port: number; token?: string }>((res, rej) => {
      proc.once('message', (m) => res(m as { port: number; token?: string }))
      proc.once('exit', (c) =>
        rej(new Error(`${kase}: server under valgrind exited (${c}): ${stderr.slice(-500)}`)),
      )
    })
    const load: Load = raw
      ? await (ws ? wsLoad : tcpLoad)(first.port, CLIENTS, IN_FLIGHT, PAYLOAD)
      : await edgeLoad({
          transport: ws ? 'ws' : 'tcp',
          port: first.port,
          token: first.token!,
          clients: CLIENTS,
          inFlight: IN_FLIGHT,
          payload: PAYLOAD,
          encrypt: aes,
        })
    await sleep(WARMUP_MS)
    execFileSync('callgrind_control', ['-i', 'on', String(proc.pid)], { stdio: 'ignore' })
    load.reset()
    const deadline = Date.now() + 180_000
    while (load.received() < WINDOW && Date.now() < deadline) await sleep(20)
    execFileSync('callgrind_control', ['-i', 'off', String(proc.pid)], { stdio: 'ignore' })
    const messages = load.received()
    load.close()
    // A clean exit makes valgrind print the totals of what it counted.
    proc.send('exit')
    await exited
    const instructions = Number(/Collected : (\d+)/.exec(stderr)?.[1] ?? Number.NaN)
    if (!Number.isFinite(instructions)) throw new Error(`${kase}: no callgrind totals: ${stderr.slice(-500)}`)
    return { messages, instructions }
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
  }
}

const rows: (string | number)[][] = []
const notes: string[] = []
if (smoke || !haveValgrind()) {
  notes.push(
    smoke ? 'skipped under --smoke' : 'skipped: valgrind is not installed (apt-get install valgrind)',
  )
} else {
  const per = new Map<string, number>()
  for (const k of CASES) {
    const r = await measure(k)
    per.set(k, r.instructions / r.messages)
    process.stdout.write(
      `${k}: ${fmt(r.instructions / r.messages, 0)} instructions/msg over ${r.messages} messages\n`,
    )
  }
  for (const k of CASES) {
    const base = k.includes('-ws') ? 'raw-ws' : 'raw-tcp'
    rows.push([
      k,
      fmt(per.get(k)!, 0),
      k === base ? '1.00 (baseline)' : per.has(base) ? fmt(per.get(k)! / per.get(base)!, 2) : '-',
    ])
  }
}
report({
  title: 'Edge echo: user-space instructions per message (callgrind)',
  columns: ['server', 'instructions/msg', 'vs raw (same stack)'],
  rows,
  notes: [
    `Same servers and load as the edge echo bench (${CLIENTS} clients × ${IN_FLIGHT} in flight × ${PAYLOAD} B); each server under valgrind --tool=callgrind, counting for ${fmt(WINDOW, 0)} messages after a ${WARMUP_MS / 1000} s warm-up. Kernel work (syscalls, loopback) is not counted, so these ratios run higher than the CPU-time ratios of the edge echo bench; they are repeatable to a few per cent on a busy machine, which CPU time is not.`,
    ...notes,
  ],
})
