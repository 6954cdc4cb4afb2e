/**
 * Splits an SQL script into statements on `;` outside quotes and comments,
 * fed chunk by chunk (a restore streams the file). Handles '...', "...",
 * `...` with backslash and doubled-quote escapes, and -- / # / block comments.
 */
export class SqlSplitter {
  private buf = ''
  private quote: string | undefined
  private comment: 'line' | 'block' | undefined
  private escaped = false

  /** Feed text; returns the statements completed by it. */
  push(text: string): string[] {
    const out: string[] = []
    let start = 0
    const s = this.buf + text
    const from = this.buf.length
    for (let i = from; i < s.length; i++) {
      const c = s[i] as string
      if (this.comment === 'line') {
        if (c === '\n') this.comment = undefined
        continue
      }
      if (this.comment === 'block') {
        if (c === '/' && s[i - 1] === '*') this.comment = undefined
        continue
      }
      if (this.quote) {
        if (this.escaped) this.escaped = false
        else if (c === '\\' && this.quote !== '`') this.escaped = true
        else if (c === this.quote) this.quote = undefined
        continue
      }
      if (c === "'" || c === '"' || c === '`') this.quote = c
      else if (c === '#' || (c === '-' && s[i - 1] === '-' && isCommentDash(s, i))) this.comment = 'line'
      else if (c === '*' && s[i - 1] === '/') this.comment = 'block'
      else if (c === ';') {
        const stmt = stripComments(s.slice(start, i)).trim()
        if (stmt) out.push(stmt)
        start = i + 1
      }
    }
    this.buf = s.slice(start)
    return out
  }

  /** What is left after the last `;` (must be only whitespace or comments). */
  end(): string | undefined {
    const rest = stripComments(this.buf).trim()
    this.buf = ''
    return rest || undefined
  }
}

function isCommentDash(s: string, i: number): boolean {
  // `--` starts a comment only when followed by whitespace (MySQL rule).
  const next = s[i + 1]
  return next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r'
}

/** Remove leading full-line comments (the splitter keeps them in the slice). */
function stripComments(stmt: string): string {
  return stmt
    .split('\n')
    .filter((l) => !/^\s*(--(\s|$)|#)/.test(l))
    .join('\n')
}
