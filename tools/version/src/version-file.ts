import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { findUp } from '@tessera/cli-kit'
import { TesseraError, Version } from '@tessera/kernel'
import { VersionFileBad, VersionFileNotFound } from './errors.js'

export const VERSION_FILE_NAME = 'VERSION'

/** The nearest VERSION file at or above `from`. */
export function findVersionFile(from: string = process.cwd()): string {
  const file = findUp(VERSION_FILE_NAME, from)
  if (!file) throw new VersionFileNotFound(path.resolve(from))
  return file
}

/**
 * The version in `file`: one line in the canonical text form (`1.2.3`,
 * `1.2.3-beta`), nothing else, so every tool that reads it agrees.
 */
export function readVersionFile(file: string): Version {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw VersionFileBad.with({ cause: err }, file, (err as Error).message)
  }
  const line = text.endsWith('\n') ? text.slice(0, -1) : text
  if (line.includes('\n')) throw new VersionFileBad(file, 'more than one line')
  try {
    return Version.parse(line)
  } catch (err) {
    throw VersionFileBad.with({ cause: err }, file, err instanceof TesseraError ? err.message : String(err))
  }
}

/** Replace `file` with `v` (written beside it, then renamed: never half a version). */
export function writeVersionFile(file: string, v: Version): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${v.toString()}\n`)
  renameSync(tmp, file)
}
