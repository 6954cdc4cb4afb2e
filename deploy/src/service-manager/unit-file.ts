import { readFileSync } from 'node:fs'

/** A systemd unit file, as the supervisor needs it: section → key → values in order. */
export type UnitFile = Map<string, Map<string, string[]>>

export function parseUnitFile(text: string): UnitFile {
  const out: UnitFile = new Map()
  let section: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const head = /^\[(.+)\]$/.exec(line)
    if (head) {
      section = new Map()
      out.set(head[1]!, section)
      continue
    }
    const eq = line.indexOf('=')
    if (!section || eq < 0) throw new Error(`not a unit file line: ${line}`)
    const key = line.slice(0, eq).trim()
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()])
  }
  return out
}

export const unitValue = (u: UnitFile, section: string, key: string) => u.get(section)?.get(key)?.at(-1)

/** Split a command line the way systemd does for ours: words, '…' and "…" quoting. */
export function splitCommand(line: string): string[] {
  const words: string[] = []
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!)
  return words
}

/** An EnvironmentFile: KEY=value lines, values optionally double-quoted (as deploy writes them). */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const v = line.slice(eq + 1)
    env[line.slice(0, eq)] = v.startsWith('"') ? (JSON.parse(v) as string) : v
  }
  return env
}

/** The environment a unit's commands get: `base`, its EnvironmentFile= files, then Environment= pairs. */
export function unitEnvironment(u: UnitFile, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = { ...base } as Record<string, string>
  for (const f of u.get('Service')?.get('EnvironmentFile') ?? []) {
    const optional = f.startsWith('-')
    try {
      Object.assign(env, readEnvFile(optional ? f.slice(1) : f))
    } catch (err) {
      if (!optional) throw err
    }
  }
  for (const e of u.get('Service')?.get('Environment') ?? [])
    for (const pair of splitCommand(e))
      env[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1)
  return env
}
