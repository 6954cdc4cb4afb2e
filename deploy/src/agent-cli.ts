#!/usr/bin/env node
// `deploy node <command>`: what the operator's deploy runs on a node, from the
// node's current release (deploy/bin/deploy sends `node …` here). Built-ins
// only, and a plain argument parser, so a call starts fast.
//   deploy node start|stop UNIT... --root R --manager systemd|supervisor
//   deploy node status [UNIT...] --root R --manager M       (JSON)
//   deploy node cluster --admin URL                          (the center's view, JSON)
//   deploy node wait-ready --admin URL --kind K --id N [--not-started-at T] [--timeout MS]
//   deploy node gateway drain|undrain --admin URL --id N [--message M]   (admin token on stdin; JSON)
//   deploy node wait-drained --admin URL --id N [--timeout MS]  (prints the gateway's sessions left)
//   deploy node run-unit --unit FILE --run DIR               (the supervisor's runner)
//   deploy node run-timer --timer FILE --run DIR             (the supervisor's timer runner)
import { readFileSync } from 'node:fs'
import {
  fetchClusterView,
  gatewayAction,
  managerFor,
  nodeStatus,
  waitDrained,
  waitReady,
} from './agent/index.js'
import { runTimer, runUnit } from './service-manager/index.js'

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
    case 'gateway': {
      const action = pos[0]
      if (action !== 'drain' && action !== 'undrain') throw new Error('deploy node gateway: drain or undrain')
      // The token comes on stdin: never in the node's process list.
      const token = readFileSync(0, 'utf8').trim()
      if (!token) throw new Error('deploy node gateway: the admin token is expected on stdin')
      const out = await gatewayAction({
        admin: need('admin'),
        action,
        id: Number(need('id')),
        token,
        message: opt.get('message'),
      })
      console.log(JSON.stringify(out))
      break
    }
    case 'wait-drained':
      console.log(
        await waitDrained({
          admin: need('admin'),
          id: Number(need('id')),
          timeoutMs: Number(opt.get('timeout') ?? 30_000),
        }),
      )
      break
    case 'run-unit':
      await runUnit(need('unit'), need('run'))
      process.exit(0)
      break
    case 'run-timer':
      await runTimer(need('timer'), need('run'))
      process.exit(0)
      break
    default:
      throw new Error(
        `deploy node: unknown command ${JSON.stringify(cmd)} (start, stop, status, cluster, wait-ready, gateway, wait-drained, run-unit, run-timer)`,
      )
  }
} catch (err) {
  console.error((err as Error).message)
  process.exit(1)
}
