import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { MARIADB_SCRIPT, SHARED_DIR } from './mariadb.js'

const run = promisify(execFile)
const USERS = path.join(SHARED_DIR, 'users')

/**
 * Vitest global setup: the shared test MariaDB (started lazily by the first
 * test that calls `serverUrl()`) is stopped when the test run that started
 * it ends. Several runs at once (parallel checkouts) share it: each holds a
 * lease file named by its pid, and the last live one out stops the server.
 * An instance that was already up with no run using it (a developer's
 * `mariadb.sh start`) is left alone. `MYSQL_URL` (an external server) or
 * `TESSERA_KEEP_MARIADB=1` turn this off.
 */
export async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.MYSQL_URL) return undefined
  mkdirSync(USERS, { recursive: true })
  const othersAtStart = liveUsers().length
  const upAtStart = await alive()
  const lease = path.join(USERS, String(process.pid))
  writeFileSync(lease, String(process.pid))
  // Ours to stop: not up yet, or up only because other test runs use it.
  const ours = !upAtStart || othersAtStart > 0
  return async () => {
    rmSync(lease, { force: true })
    if (!ours || process.env.TESSERA_KEEP_MARIADB === '1') return
    if (liveUsers().length > 0 || !(await alive())) return
    await run('bash', [MARIADB_SCRIPT, 'stop', SHARED_DIR], { timeout: 120_000 })
  }
}

/** Pids of test runs holding a lease that are still alive (stale leases are removed). */
function liveUsers(): number[] {
  const out: number[] = []
  for (const name of safeList(USERS)) {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    if (pidAlive(pid)) out.push(pid)
    else rmSync(path.join(USERS, name), { force: true })
  }
  return out
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'
  }
}

async function alive(): Promise<boolean> {
  try {
    readFileSync(path.join(SHARED_DIR, 'port'))
    await run('bash', [MARIADB_SCRIPT, 'status', SHARED_DIR], { timeout: 30_000 })
    return true
  } catch {
    return false
  }
}
