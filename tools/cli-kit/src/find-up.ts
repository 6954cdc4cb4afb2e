import { existsSync } from 'node:fs'
import path from 'node:path'

/** The nearest `name` at or above `from` (absolute), or undefined at the file-system root. */
export function findUp(name: string, from: string = process.cwd()): string | undefined {
  let dir = path.resolve(from)
  for (;;) {
    const file = path.join(dir, name)
    if (existsSync(file)) return file
    const up = path.dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}
