#!/usr/bin/env node
// `deploy node <command>`: what the operator's deploy runs on a node, from the
// node's current release (deploy/bin/deploy sends `node …` here). Built-ins
// only, and a plain argument parser, so a call starts fast.
//   deploy node start|stop UNIT... --root R --manager systemd|supervisor
//   deploy node status [UNIT...] --root R --manager M       (JSON)
//   deploy node cluster --admin URL                          (the center's view, JSON)
//   deploy node wait-ready --admin URL --kind K --id N [--not-started-at T] [--timeout MS]
//   deploy node run-unit --unit FILE --run DIR               (the supervisor's runner)
import { fetchClusterView, managerFor, nodeStatus, waitReady } from './agent/index.js'
import { runUnit } from './service-manager/index.js'

function parse(argv: string[]): { cmd: string; pos: string[]; opt: Map<string, string> } {
  const args = argv[0] === 'node' ? argv.slice(1) : argv
  const pos: string[] = []
  const opt = new Map<string, string>()
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!
    if (a.startsWith('--')) opt.set(a.slice(2), args[++i] ?? '')
    else pos.push(a)
  }
  return { cmd: args[0] ?? '', pos, opt }
}

const { cmd, pos, opt } = parse(process.argv.slice(2))
const need = (k: string) => {
  const v = opt.get(k)
  if (!v) throw new Error(`deploy node ${cmd}: --${k} is required`)
  return v
}

try {
  switch (cmd) {
    case 'start':
      for (const u of pos) await managerFor(need('root'), opt.get('manager') ?? 'systemd').start(u)
      break
    case 'stop':
      for (const u of pos) await managerFor(need('root'), opt.get('manager') ?? 'systemd').stop(u)
      break
    case 'status':
      console.log(JSON.stringify(nodeStatus(need('root'), opt.get('manager') ?? 'systemd', pos)))
      break
    case 'cluster':
      console.log(JSON.stringify(await fetchClusterView(need('admin'))))
      break
    case 'wait-ready':
      await waitReady({
        admin: need('admin'),
        kind: need('kind'),
        id: Number(need('id')),
        notStartedAt: opt.get('not-started-at'),
        timeoutMs: Number(opt.get('timeout') ?? 60_000),
      })
      break
    case 'run-unit':
      await runUnit(need('unit'), need('run'))
      process.exit(0)
      break
    default:
      throw new Error(
        `deploy node: unknown command ${JSON.stringify(cmd)} (start, stop, status, cluster, wait-ready, run-unit)`,
      )
  }
} catch (err) {
  console.error((err as Error).message)
  process.exit(1)
}
