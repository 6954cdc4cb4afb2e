import { pathToFileURL } from 'node:url'
import { TesseraError } from '@tessera/kernel'
import yargs, { type Argv } from 'yargs'

/** Where a tool writes: results to `out`, progress and errors to `err`. */
export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

export const stdio: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
}

/** Bad arguments: exit status 2. */
export class UsageError extends Error {}

/**
 * Parse `argv` with the commands `build` declares and run the chosen one.
 * Resolves to the exit status: 0 done, 1 failed (printed as
 * `NAME: CODE: message` for typed errors), 2 bad usage. Never exits the
 * process itself, so tests call it in-process.
 */
export async function runTool(
  name: string,
  argv: readonly string[],
  io: CliIo,
  build: (y: Argv) => Argv<unknown>,
): Promise<number> {
  try {
    await build(yargs([...argv]).scriptName(name))
      .strict()
      .version(false)
      .exitProcess(false)
      .fail((msg, err) => {
        // yargs's own validation errors are YErrors; anything else came from a handler.
        if (err && err.name !== 'YError') throw err
        throw new UsageError(msg ?? err?.message ?? 'bad usage')
      })
      .parseAsync()
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${name}: ${err.message} (see --help)`)
      return 2
    }
    if (err instanceof TesseraError) io.err(`${name}: ${err.code}: ${err.message}`)
    else io.err(`${name}: ${(err as Error)?.stack ?? String(err)}`)
    return 1
  }
}

/** True when `moduleUrl` is the script node was started with (run the CLI, not just import it). */
export function isMain(moduleUrl: string): boolean {
  return moduleUrl === pathToFileURL(process.argv[1] ?? '').href
}
