import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { CenterUiBadOperators } from './admin-web-errors.js'
import { hashOperatorPassword } from './operator-password.js'

/** Operator names: what the audit log shows. */
export const OPERATOR_NAME = /^[a-z][a-z0-9_.-]{1,31}$/

/**
 * The operators file: one `name:hash` line per operator (hash from
 * {@link hashOperatorPassword}), `#` comments allowed, mode 0600. Written by
 * `pnpm tessera-operator add`; read by the center at every login, so an
 * operator added or removed counts from the next login on.
 */
export function readOperators(file: string): Map<string, string> {
  const out = new Map<string, string>()
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw CenterUiBadOperators.with({ cause: err }, file, (err as Error).message)
  }
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const at = line.indexOf(':')
    const name = line.slice(0, at)
    if (at < 0 || !OPERATOR_NAME.test(name) || !line.slice(at + 1).startsWith('scrypt$'))
      throw new CenterUiBadOperators(file, `line ${i + 1} is not "name:scrypt$…"`)
    out.set(name, line.slice(at + 1))
  }
  return out
}

/** Add or replace an operator (password change) and write the file atomically with mode 0600. */
export async function setOperator(
  file: string,
  name: string,
  password: string,
): Promise<'added' | 'replaced'> {
  if (!OPERATOR_NAME.test(name))
    throw new CenterUiBadOperators(file, `operator name "${name}" must match ${OPERATOR_NAME}`)
  if (password.length < 12)
    throw new CenterUiBadOperators(file, 'the password must be at least 12 characters')
  const ops = existsSync(file) ? readOperators(file) : new Map<string, string>()
  const had = ops.has(name)
  ops.set(name, await hashOperatorPassword(password))
  writeOperators(file, ops)
  return had ? 'replaced' : 'added'
}

/** Remove an operator; false when there was none of that name. */
export function removeOperator(file: string, name: string): boolean {
  const ops = readOperators(file)
  if (!ops.delete(name)) return false
  writeOperators(file, ops)
  return true
}

function writeOperators(file: string, ops: Map<string, string>): void {
  const body = `# Tessera center operators (pnpm tessera-operator); name:scrypt hash\n${[...ops]
    .map(([n, h]) => `${n}:${h}\n`)
    .join('')}`
  const tmp = `${file}.tmp-${process.pid}`
  writeFileSync(tmp, body, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}
