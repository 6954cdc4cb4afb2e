#!/usr/bin/env node
// pnpm --filter @tessera/proto-gen gen [--check] [--proto dir] [--root dir]
// Regenerates packages/wire/src/generated (platform messages, proto/tessera)
// and packages/protocol/src/generated (game messages) from proto/; with
// --check it writes nothing and exits 1 when the committed output is stale (CI).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { ProtoGenError } from './errors.js'
import { generate, OUTPUT_DIRS, staleFiles, writeFiles } from './generate.js'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

const argv = yargs(hideBin(process.argv))
  .scriptName('proto-gen')
  .usage('$0 [--check]')
  .option('proto', { type: 'string', default: path.join(repo, 'proto'), describe: '.proto sources' })
  .option('root', {
    type: 'string',
    default: repo,
    describe: `repository root; ${OUTPUT_DIRS.join(' and ')} under it are replaced entirely`,
  })
  .option('check', {
    type: 'boolean',
    default: false,
    describe: 'exit 1 if the output is stale; write nothing',
  })
  .strict()
  .help()
  .parseSync()

try {
  const files = generate({ protoDir: argv.proto })
  const stale = staleFiles(files, argv.root)
  if (argv.check) {
    if (stale.length > 0) {
      console.error(`proto-gen: ${stale.length} generated file(s) out of date in ${argv.root}:`)
      for (const f of stale) console.error(`  ${f}`)
      console.error('run `pnpm proto:gen` and commit the result')
      process.exit(1)
    }
    console.log(`proto-gen: ${files.size} generated files up to date`)
  } else {
    writeFiles(files, argv.root)
    console.log(`proto-gen: wrote ${files.size} files to ${argv.root} (${stale.length} changed)`)
  }
} catch (err) {
  if (err instanceof ProtoGenError) {
    console.error(`proto-gen: ${err.message}`)
    process.exit(2)
  }
  throw err
}
