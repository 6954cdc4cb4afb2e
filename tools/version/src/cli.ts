#!/usr/bin/env node
// tessera-version: print or change the release version (the repository's
// VERSION file), and keep its generated TypeScript constants in step.
//
//   tessera-version                      0.1.0-alpha
//   tessera-version --json               {"version":"0.1.0-alpha","major":0,…,"hex":"000000010010",…}
//   tessera-version --hex                000000010010 (the 6 packed bytes)
//   tessera-version bump minor           0.2.0-alpha (and VERSION rewritten)
//   tessera-version bump revision --stage release
//   tessera-version bump stage           alpha → beta → preview → release
//   tessera-version set 1.4.0-beta [--force to go backwards]
//   tessera-version gen [--check]        write (or verify) the generated module
//
// --file defaults to the nearest VERSION at or above the working directory;
// the generated module is <VERSION's directory>/packages/constants/src/generated/version.ts
// unless --module says otherwise (--module none: no module).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { type CliIo, isMain, runTool, stdio } from '@tessera/cli-kit'
import { Version } from '@tessera/kernel'
import type { Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { bumpVersion, stageByName, VERSION_FIELDS, type VersionField } from './bump-version.js'
import { describeVersion, renderVersionModule } from './describe-version.js'
import { VersionBackwards, VersionGeneratedStale } from './errors.js'
import { findVersionFile, readVersionFile, writeVersionFile } from './version-file.js'

export const DEFAULT_MODULE = 'packages/constants/src/generated/version.ts'

interface Common {
  file?: string
  module?: string
  json: boolean
  hex: boolean
}

function common<T>(y: Argv<T>) {
  return y
    .option('file', { type: 'string', describe: 'the VERSION file (default: nearest at or above the cwd)' })
    .option('module', {
      type: 'string',
      describe: `generated module to keep in step (default: ${DEFAULT_MODULE} beside VERSION; "none" for none)`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'print every field as one JSON object' })
    .option('hex', { type: 'boolean', default: false, describe: 'print the 6 packed bytes as hex' })
}

export function runCli(argv: readonly string[], io: CliIo = stdio): Promise<number> {
  const locate = (a: Common) => {
    const file = a.file ?? findVersionFile()
    const module =
      a.module === 'none'
        ? undefined
        : (a.module ?? path.join(path.dirname(path.resolve(file)), DEFAULT_MODULE))
    return { file, module }
  }
  const print = (a: Common, v: Version) => {
    if (a.json) io.out(JSON.stringify(describeVersion(v)))
    else io.out(a.hex ? v.toBuffer().toString('hex') : v.toString())
  }
  const change = (a: Common, next: (current: Version) => Version) => {
    const { file, module } = locate(a)
    const current = readVersionFile(file)
    const v = next(current)
    writeVersionFile(file, v)
    if (module) writeModule(module, v)
    io.err(`${current} → ${v} (${[file, module].filter(Boolean).join(', ')})`)
    print(a, v)
  }
  return runTool('tessera-version', argv, io, (y) =>
    common(y)
      .command(
        ['print', '$0'],
        'print the version',
        (y) => y,
        (a) => print(a, readVersionFile(locate(a).file)),
      )
      .command(
        'bump <field>',
        'increase one field (lower fields restart at 0); stage goes alpha → beta → preview → release',
        (y) =>
          y.positional('field', { choices: VERSION_FIELDS, demandOption: true }).option('stage', {
            type: 'string',
            describe: 'stage of the new version (alpha, beta, preview, release)',
          }),
        (a) =>
          change(a, (v) =>
            bumpVersion(v, a.field as VersionField, a.stage === undefined ? undefined : stageByName(a.stage)),
          ),
      )
      .command(
        'set <version>',
        'set the version (refuses to go backwards without --force)',
        (y) =>
          y
            .positional('version', { type: 'string', demandOption: true })
            .option('force', { type: 'boolean', default: false }),
        (a) =>
          change(a, (current) => {
            const v = Version.parse(a.version)
            if (v.compare(current) < 0 && !a.force)
              throw new VersionBackwards(current.toString(), v.toString())
            return v
          }),
      )
      .command(
        'gen',
        'write the generated module from VERSION (--check: fail if it is stale)',
        (y) => y.option('check', { type: 'boolean', default: false }),
        (a) => {
          const { file, module } = locate(a)
          if (!module) return
          const v = readVersionFile(file)
          if (a.check) {
            const current = existsSync(module) ? readFileSync(module, 'utf8') : ''
            if (current !== renderVersionModule(v)) throw new VersionGeneratedStale(module, file)
            io.err(`${module} is up to date (${v})`)
          } else {
            writeModule(module, v)
            io.err(`wrote ${module} (${v})`)
          }
        },
      ),
  )
}

function writeModule(file: string, v: Version): void {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, renderVersionModule(v))
}

if (isMain(import.meta.url)) process.exitCode = await runCli(hideBin(process.argv))
