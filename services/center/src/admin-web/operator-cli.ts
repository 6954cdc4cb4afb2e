#!/usr/bin/env node
// tessera-operator: accounts of the center's admin web page (docs/operations.md).
//
//   pnpm tessera-operator add alice --file /etc/tessera/operators        # prints a new password
//   printf '%s\n' "$PW" | pnpm tessera-operator add alice --file F --password-stdin
//   pnpm tessera-operator remove alice --file F
//   pnpm tessera-operator list --file F
//
// The file holds `name:scrypt$…` lines, mode 0600; point center.ui.operatorsFile at it.
// Exit status: 0 done, 1 failed, 2 bad usage.
import { randomInt } from 'node:crypto'
import { type CliIo, isMain, runTool, stdio } from '@tessera/cli-kit'
import { readOperators, removeOperator, setOperator } from './operators-file.js'

const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789'

/** Run the CLI; resolves to the exit status. `stdin` gives the password for --password-stdin. */
export function runOperatorCli(
  argv: readonly string[],
  io: CliIo = stdio,
  stdin: () => Promise<string> = readStdin,
): Promise<number> {
  const file = {
    type: 'string',
    demandOption: true,
    describe: 'the operators file (center.ui.operatorsFile)',
  } as const
  return runTool('tessera-operator', argv, io, (y) =>
    y
      .command(
        'add <name>',
        'add an operator, or set a new password for one',
        (y) =>
          y
            .positional('name', { type: 'string', demandOption: true })
            .option('file', file)
            .option('password-stdin', {
              type: 'boolean',
              default: false,
              describe: 'read the password from stdin',
            }),
        async (a) => {
          const generated = !a.passwordStdin
          const password = generated
            ? Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
            : (await stdin()).split('\n')[0]!.replace(/\r$/, '')
          const what = await setOperator(a.file, a.name, password)
          io.err(`operator ${a.name} ${what} in ${a.file}`)
          if (generated) io.out(password)
        },
      )
      .command(
        'remove <name>',
        'remove an operator (their next login fails; live sessions end at their idle timeout)',
        (y) => y.positional('name', { type: 'string', demandOption: true }).option('file', file),
        (a) => {
          if (!removeOperator(a.file, a.name)) throw new Error(`no operator ${a.name} in ${a.file}`)
          io.err(`operator ${a.name} removed from ${a.file}`)
        },
      )
      .command(
        'list',
        'list operator names',
        (y) => y.option('file', file),
        (a) => {
          for (const name of readOperators(a.file).keys()) io.out(name)
        },
      )
      .demandCommand(1),
  )
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin as AsyncIterable<Buffer>) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

if (isMain(import.meta.url)) process.exitCode = await runOperatorCli(process.argv.slice(2))
