#!/usr/bin/env node
// pnpm components [--check] [--root DIR]: write (or verify) each service's
// src/generated/components.ts. Exits 1 naming the file and line of any bad
// declaration, e.g. a service that does not exist, so the build fails.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs from 'yargs'
import { ScanError, scan } from './scan.js'

const argv = yargs(process.argv.slice(2))
  .option('root', {
    type: 'string',
    default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'),
  })
  .option('check', {
    type: 'boolean',
    default: false,
    describe: 'fail if a generated list is stale instead of writing it',
  })
  .strict()
  .parseSync()

try {
  const { outputs, declarations } = scan(argv.root)
  const stale: string[] = []
  for (const { file, content } of outputs.values()) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined
    if (current === content) continue
    if (argv.check) stale.push(path.relative(argv.root, file))
    else {
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, content)
    }
  }
  if (stale.length) {
    console.error(`component lists are stale (run pnpm components): ${stale.join(', ')}`)
    process.exit(1)
  }
  console.log(
    `component-scan: ${declarations.length} components in ${outputs.size} services${argv.check ? ' (up to date)' : ''}`,
  )
} catch (err) {
  if (err instanceof ScanError) {
    console.error(err.message)
    process.exit(1)
  }
  throw err
}
