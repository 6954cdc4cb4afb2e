#!/usr/bin/env node
// tessera-ps: the Tessera service processes running on this machine, from /proc.
//
//   tessera-ps                 KIND  ID  NODE  PID  UPTIME  CPU%  RSS  PORTS (one line each)
//   tessera-ps --json          one JSON array (what deploy status and the admin page read)
//   tessera-ps --kind logic    only logic processes
//   tessera-ps --no-ports      skip the listening-port lookup
//
// Exit 0 with the list (also when it is empty), 1 when /proc cannot be read, 2 bad usage.
import { readdirSync } from 'node:fs'
import { type CliIo, isMain, runTool, stdio } from '@tessera/cli-kit'
import { hideBin } from 'yargs/helpers'
import { PsNoProc } from './errors.js'
import { formatTable } from './format-table.js'
import { listTesseraProcesses } from './list-processes.js'

export function runCli(argv: readonly string[], io: CliIo = stdio, procRoot = '/proc'): Promise<number> {
  return runTool('tessera-ps', argv, io, (y) =>
    y.command(
      '$0',
      'list the Tessera processes on this machine',
      (y) =>
        y
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON array' })
          .option('kind', { type: 'string', describe: 'only this service kind' })
          .option('ports', { type: 'boolean', default: true, describe: 'look up listening TCP ports' }),
      (a) => {
        try {
          readdirSync(procRoot)
        } catch (err) {
          throw PsNoProc.with({ cause: err }, procRoot, (err as Error).message)
        }
        const ps = listTesseraProcesses({ procRoot, kind: a.kind, ports: a.ports })
        if (a.json) io.out(JSON.stringify(ps))
        else if (ps.length) for (const l of formatTable(ps)) io.out(l)
        else io.err('no Tessera processes')
      },
    ),
  )
}

if (isMain(import.meta.url)) process.exitCode = await runCli(hideBin(process.argv))
