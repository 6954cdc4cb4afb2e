// User-space instructions per echoed message, counted by valgrind's
// callgrind: the same servers and load as net-echo.bench.ts, but a figure
// that does not move with the neighbours on a shared machine (the same code
// gives the same count within a few per cent). It leaves out the kernel's
// share (socket syscalls, loopback), so its ratios are larger than the
// server-CPU ratios of net-echo: use it to see what a change to the hot path
// costs or saves, net-echo for the figure the targets are about.
//
// Each server runs under `valgrind --tool=callgrind --instr-atstart=no`;
// instrumentation is switched on (callgrind_control) only for a window of
// WINDOW messages after a warm-up that lets the JIT settle. Skipped under
// --smoke (valgrind makes Node ~50× slower) and when valgrind is missing.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmt, report, smoke } from '@tessera/testkit/bench'
import { countInstructions, haveValgrind } from './net/callgrind.js'
import { tcpLoad, wsLoad } from './net/load.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const CLIENTS = 100
const IN_FLIGHT = 8
const PAYLOAD = 32
const WARMUP_MS = 20_000
const WINDOW = 20_000
const CASES = ['raw-tcp', 'raw-tcp-batched', 'session-tcp', 'session-tcp-pb', 'raw-ws', 'session-ws-pb']

function measure(kase: string): Promise<{ messages: number; instructions: number }> {
  return countInstructions(
    kase,
    [path.join(here, 'net/bench-server.ts'), kase],
    (first) =>
      kase.includes('-ws')
        ? wsLoad(first.port as number, CLIENTS, IN_FLIGHT, PAYLOAD)
        : tcpLoad(first.port as number, CLIENTS, IN_FLIGHT, PAYLOAD),
    { warmupMs: WARMUP_MS, window: WINDOW, windowTimeoutMs: 120_000 },
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
    per.set(k, r.instructions / r.messages)
    process.stdout.write(
      `${k}: ${fmt(r.instructions / r.messages, 0)} instructions/msg over ${r.messages} messages\n`,
    )
  }
  const vs = (k: string, base: string) => fmt(per.get(k)! / per.get(base)!, 2)
  for (const k of CASES) {
    const base = k.includes('-ws') ? 'raw-ws' : 'raw-tcp'
    rows.push([
      k,
      fmt(per.get(k)!, 0),
      k === base ? '1.00 (baseline)' : vs(k, base),
      k.includes('-ws') ? '' : vs(k, 'raw-tcp-batched'),
    ])
  }
}
report({
  title: 'Net echo: user-space instructions per message (callgrind)',
  columns: ['server', 'instructions/msg', 'vs raw (same stack)', 'vs raw-tcp-batched'],
  rows,
  notes: [
    `Same servers and load as the net echo bench (${CLIENTS} clients × ${IN_FLIGHT} in flight × ${PAYLOAD} B); each server under valgrind --tool=callgrind, counting for ${fmt(WINDOW, 0)} messages after a ${WARMUP_MS / 1000} s warm-up. Kernel work (syscalls, loopback) is not counted, so these ratios run higher than the CPU-time ratios above; they are repeatable to a few per cent on a busy machine, which CPU time is not.`,
    ...notes,
  ],
})
