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
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, report, smoke } from '@tessera/testkit/bench'
import { edgeLoad } from './edge/edge-load.js'
import { countInstructions, haveValgrind } from './net/callgrind.js'
import { tcpLoad, wsLoad } from './net/load.js'

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

function measure(kase: string): Promise<{ messages: number; instructions: number }> {
  const raw = kase.startsWith('raw-')
  const ws = kase.includes('-ws')
  const aes = kase.endsWith('-aes')
  const server = raw
    ? [path.join(here, 'net/bench-server.ts'), kase]
    : [path.join(here, 'edge/edge-bench-server.ts'), ws ? 'ws' : 'tcp', aes ? 'required' : 'off']
  return countInstructions(
    kase,
    server,
    (first) =>
      raw
        ? (ws ? wsLoad : tcpLoad)(first.port as number, CLIENTS, IN_FLIGHT, PAYLOAD)
        : edgeLoad({
            transport: ws ? 'ws' : 'tcp',
            port: first.port as number,
            token: first.token as string,
            clients: CLIENTS,
            inFlight: IN_FLIGHT,
            payload: PAYLOAD,
            encrypt: aes,
          }),
    { warmupMs: WARMUP_MS, window: WINDOW, windowTimeoutMs: 180_000 },
  )
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
    // A window the load could not fill (a starved machine) counts idle work per message: no figure.
    if (r.messages < WINDOW / 2)
      throw new Error(
        `${k}: only ${r.messages} of ${WINDOW} messages in the window; rerun on a quieter machine`,
      )
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
