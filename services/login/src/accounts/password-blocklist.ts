import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { LoginBadConfig } from '../errors.js'

/** The list shipped with the service (data/common-passwords.txt). */
export const SHIPPED_BLOCKLIST = fileURLToPath(new URL('../../data/common-passwords.txt', import.meta.url))

/**
 * Common passwords, compared in lower case. Loaded once at start from the
 * shipped list plus an optional operator list; lines starting with `#` are
 * comments.
 */
export class PasswordBlocklist {
  private constructor(private readonly words: ReadonlySet<string>) {}

  static load(files: readonly string[]): PasswordBlocklist {
    const words = new Set<string>()
    for (const file of files) {
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (err) {
        throw LoginBadConfig.with({ cause: err }, `cannot read password blocklist ${file}`)
      }
      for (const line of text.split('\n')) {
        const w = line.trim()
        if (w !== '' && !w.startsWith('#')) words.add(w.normalize('NFKC').toLowerCase())
      }
    }
    return new PasswordBlocklist(words)
  }

  get size(): number {
    return this.words.size
  }

  has(lowerCasePassword: string): boolean {
    return this.words.has(lowerCasePassword)
  }
}
