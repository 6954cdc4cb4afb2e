import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface CoreDumpSettings {
  enabled: boolean
  reportDirectory?: string | undefined
}

/**
 * Apply crash-dump settings to this process only: RLIMIT_CORE is a
 * per-process limit (inherited by children), so raising it with `prlimit
 * --pid` leaves other processes and system-wide settings (core_pattern,
 * ulimit of the shell) alone. Returns the resulting soft limit as text.
 */
export function applyCoreDumpSettings(s: CoreDumpSettings, pid = process.pid): string {
  if (s.reportDirectory) {
    process.report.directory = s.reportDirectory
    process.report.reportOnFatalError = true
    process.report.reportOnUncaughtException = true
  }
  const [, hard] = readCoreLimit(pid)
  const soft = s.enabled ? hard : '0'
  execFileSync('prlimit', ['--pid', String(pid), `--core=${soft}:${hard}`], { stdio: 'ignore' })
  return readCoreLimit(pid)[0]
}

/** [soft, hard] from /proc/PID/limits, as prlimit spells them ("unlimited" or bytes). */
export function readCoreLimit(pid: number | 'self' = 'self'): [string, string] {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max core file size'))
  const m = line?.match(/^Max core file size\s+(\S+)\s+(\S+)/)
  if (!m) throw new Error(`cannot read core limit of ${pid}`)
  return [m[1]!, m[2]!]
}
