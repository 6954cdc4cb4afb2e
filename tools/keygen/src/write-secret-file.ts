import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { KeygenFileExists, KeygenWriteFailed } from './errors.js'

/** Owner read/write only. */
export const SECRET_FILE_MODE = 0o600

/**
 * Write `value` and a newline to `file`, readable by its owner only (0600).
 * Without `force` an existing file is never touched (KEYGEN_FILE_EXISTS):
 * replacing a live secret by accident logs every service out of the cluster.
 * With `force` the new secret goes to a fresh 0600 file beside it, renamed
 * over the old one, so the old file's wider mode (if any) is not inherited
 * and a reader sees either the whole old or the whole new secret.
 */
export function writeSecretFile(file: string, value: string, opts: { force?: boolean } = {}): void {
  const target = path.resolve(file)
  if (!opts.force) {
    writeNew(target, target, value)
    return
  }
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  )
  writeNew(tmp, target, value)
  try {
    renameSync(tmp, target)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw KeygenWriteFailed.with({ cause: err }, target, (err as Error).message)
  }
}

/** Create `file` exclusively with mode 0600 (the mode applies only to a file open creates). */
function writeNew(file: string, shown: string, value: string): void {
  let fd: number
  try {
    fd = openSync(file, 'wx', SECRET_FILE_MODE)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeygenFileExists(shown)
    throw KeygenWriteFailed.with({ cause: err }, shown, (err as Error).message)
  }
  try {
    writeSync(fd, `${value}\n`)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(file, { force: true })
    throw KeygenWriteFailed.with({ cause: err }, shown, (err as Error).message)
  }
  closeSync(fd)
}
