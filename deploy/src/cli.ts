#!/usr/bin/env node
// The deploy tool: `deploy/bin/deploy <command>` (docs/operations.md).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { makeBundle } from './bundle/index.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

await yargs(hideBin(process.argv))
  .scriptName('deploy')
  .command(
    'bundle',
    'build the release bundle (after pnpm build)',
    (y) =>
      y.option('out', {
        type: 'string',
        default: path.join(repo, 'dist/release'),
        describe: 'output folder',
      }),
    (a) => {
      const m = makeBundle({ repo, outDir: a.out })
      console.log(`bundle ${m.file} (version ${m.version} = ${m.versionHex}, commit ${m.commit}) in ${a.out}`)
    },
  )
  .demandCommand(1)
  .strict()
  .help()
  .parseAsync()
