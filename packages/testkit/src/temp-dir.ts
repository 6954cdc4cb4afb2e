import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface TempDir {
  readonly path: string
  /** Remove the directory and everything in it (idempotent). */
  remove(): void
}

/** A fresh directory under the OS temp dir, named `tessera-<prefix>-…`. The test removes it. */
export function tempDir(prefix: string): TempDir {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tessera-${prefix}-`))
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Run `fn` with a fresh temp dir, removed afterwards whatever `fn` does. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => T | Promise<T>): Promise<T> {
  const d = tempDir(prefix)
  try {
    return await fn(d.path)
  } finally {
    d.remove()
  }
}
