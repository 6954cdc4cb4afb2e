#!/usr/bin/env node
// machine-id --center host:port --node NAME --service KIND [--slot N]
// Asks the center for the 10-bit machine id of (node, service kind, slot)
// and prints it on stdout (nothing else), so scripts can capture it. It
// reserves the id for that key but does not hold it: a process that leases
// its own id (app.machineId unset) with the same key gets this one.
import { leaseMachineId, toTesseraError } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'

const argv = await yargs(hideBin(process.argv))
  .scriptName('machine-id')
  .usage('$0 --center host:port --node NAME --service KIND [--slot N]')
  .option('center', {
    type: 'string',
    demandOption: true,
    describe: 'center cluster address (host:port or tcp://host:port)',
  })
  .option('node', { type: 'string', demandOption: true, describe: 'node name' })
  .option('service', { type: 'string', demandOption: true, describe: 'service kind (logic, gateway, ...)' })
  .option('slot', {
    type: 'number',
    default: 0,
    describe: "the process's slot on its node (an application's default: its service id)",
  })
  .option('secret', {
    type: 'string',
    describe: 'cluster secret (default: $TESSERA_CLUSTER_SECRET)',
    default: process.env.TESSERA_CLUSTER_SECRET,
  })
  .option('timeout', { type: 'number', default: 5000, describe: 'ms before giving up' })
  .option('json', {
    type: 'boolean',
    default: false,
    describe: 'print {"machineId","leaseUntilMs","returning"}',
  })
  .strict()
  .parse()

if (!Number.isInteger(argv.slot) || argv.slot < 0 || argv.slot > 0xffff_ffff) {
  process.stderr.write(`machine-id: --slot must be an integer 0..4294967295 (got ${argv.slot})\n`)
  process.exit(2)
}
if (!argv.secret) {
  process.stderr.write('machine-id: no cluster secret (--secret or TESSERA_CLUSTER_SECRET)\n')
  process.exit(2)
}
try {
  const r = await leaseMachineId({
    center: argv.center,
    secret: argv.secret,
    wire: clusterWire,
    node: argv.node,
    kind: argv.service,
    slot: argv.slot,
    timeoutMs: argv.timeout,
  })
  process.stdout.write(
    argv.json
      ? `${JSON.stringify({ machineId: r.machineId, leaseUntilMs: String(r.leaseUntilMs), returning: r.returning })}\n`
      : `${r.machineId}\n`,
  )
} catch (err) {
  const e = toTesseraError(err)
  process.stderr.write(`machine-id: ${e.code}: ${e.message}\n`)
  process.exit(1)
}
