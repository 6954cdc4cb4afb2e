#!/usr/bin/env node
// The proto contract gate (message ids and field numbers/types) (the pipeline's `contract` stage):
//   node --conditions=tessera-source --import tsx jenkins/src/contract/cli.ts          (check; exit 1 on any finding)
//   node --conditions=tessera-source --import tsx jenkins/src/contract/cli.ts --write  (record added/removed messages)
// --write never records a renumbered, retyped or reused id or field: those stay failures.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import {
  compareContract,
  contractPaths,
  currentContract,
  describeReport,
  emptySnapshot,
  type ProtoContract,
  recordDrift,
} from './proto-contract.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const defaults = contractPaths(repo)

const argv = yargs(hideBin(process.argv))
  .scriptName('contract')
  .usage('$0 [--write]')
  .option('proto', { type: 'string', default: defaults.protoDir, describe: '.proto sources' })
  .option('snapshot', { type: 'string', default: defaults.snapshot, describe: 'committed contract snapshot' })
  .option('write', {
    type: 'boolean',
    default: false,
    describe: 'record compatible changes in the snapshot (never a renumbered, retyped or reused id or field)',
  })
  .strict()
  .help()
  .parseSync()

const snapshot: ProtoContract = existsSync(argv.snapshot)
  ? { ...emptySnapshot(), ...(JSON.parse(readFileSync(argv.snapshot, 'utf8')) as Partial<ProtoContract>) }
  : emptySnapshot()
const current = currentContract(argv.proto)
const report = compareContract(snapshot, current)
const lines = describeReport(report)

if (argv.write) {
  if (report.violations.length > 0) {
    console.error('contract: the change breaks the message-id contract; nothing written:')
    for (const l of lines) console.error(`  ${l}`)
    process.exit(1)
  }
  writeFileSync(argv.snapshot, `${JSON.stringify(recordDrift(snapshot, report), null, 2)}\n`)
  console.log(`contract: recorded ${report.drift.length} change(s) in ${path.relative(repo, argv.snapshot)}`)
} else if (lines.length > 0) {
  console.error(`contract: ${lines.length} finding(s) against ${path.relative(repo, argv.snapshot)}:`)
  for (const l of lines) console.error(`  ${l}`)
  if (report.violations.length === 0)
    console.error(
      'record them with: node --conditions=tessera-source --import tsx jenkins/src/contract/cli.ts --write',
    )
  process.exit(1)
} else {
  console.log(
    `contract: ${current.ids.size} message ids and ${Object.keys(current.fields).length} messages' fields match the snapshot`,
  )
}
