import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** One method call in a Jenkinsfile, as Groovy's parser sees it. */
export interface OutlineCall {
  call: string
  args: unknown[]
  named: Record<string, unknown>
  /** Calls inside the closure argument (`stage('x') { ... }`). */
  body: OutlineNode[]
}
export type OutlineNode = OutlineCall | Record<string, unknown>

const script = fileURLToPath(new URL('./JenkinsfileOutline.groovy', import.meta.url))

/**
 * Debian's groovy script looks for Java in $JAVA_HOME or
 * /usr/lib/jvm/default-java (default-jre-headless); fall back to the `java`
 * on PATH when neither is there.
 */
function javaHome(): string | undefined {
  if (process.env.JAVA_HOME || existsSync('/usr/lib/jvm/default-java')) return process.env.JAVA_HOME
  const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' })
  if (which.status !== 0) return undefined
  return path.dirname(path.dirname(realpathSync(which.stdout.trim())))
}

/** Whether a `groovy` command is on PATH. */
export function hasGroovy(): boolean {
  return spawnSync('sh', ['-c', 'command -v groovy'], { encoding: 'utf8' }).status === 0
}

/** Parse `file` with Groovy (nothing runs) and return its top-level calls. */
export function readOutline(file: string): OutlineNode[] {
  const home = javaHome()
  const r = spawnSync('groovy', [script, file], {
    encoding: 'utf8',
    env: home ? { ...process.env, JAVA_HOME: home } : process.env,
    timeout: 120_000,
  })
  if (r.error) throw new Error(`cannot run groovy: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`groovy could not parse ${file}:\n${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout) as OutlineNode[]
}

export function isCall(n: unknown, name?: string): n is OutlineCall {
  return typeof n === 'object' && n !== null && 'call' in n && (name === undefined || n.call === name)
}

/** Direct child calls named `name`. */
export function children(n: OutlineCall | OutlineNode[], name: string): OutlineCall[] {
  const list = Array.isArray(n) ? n : n.body
  return list.filter((c): c is OutlineCall => isCall(c, name))
}

/** Every call named `name` at any depth below `n`. */
export function descendants(n: OutlineCall | OutlineNode[], name: string): OutlineCall[] {
  const out: OutlineCall[] = []
  const walk = (list: OutlineNode[]) => {
    for (const c of list) {
      if (!isCall(c)) continue
      if (c.call === name) out.push(c)
      walk(c.body)
    }
  }
  walk(Array.isArray(n) ? n : n.body)
  return out
}
