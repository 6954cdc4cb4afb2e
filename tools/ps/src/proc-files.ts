import { execFileSync } from 'node:child_process'
import { readFileSync, readlinkSync } from 'node:fs'
import path from 'node:path'

/** Text of a /proc file, or undefined when the process is gone or the file is not ours to read. */
export function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

export function readLink(file: string): string | undefined {
  try {
    return readlinkSync(file)
  } catch {
    return undefined
  }
}

let ticks: number | undefined
/** Clock ticks per second of /proc/PID/stat times (USER_HZ; 100 on every common Linux). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticks = 100
    }
  }
  return ticks
}

export interface ProcStat {
  /** Seconds since the process started. */
  uptimeSec: number
  /** User + system CPU seconds used so far. */
  cpuSec: number
  rssBytes: number | undefined
}

/** Times from /proc/PID/stat (fields after the `(comm)`, which may itself hold spaces and parentheses). */
export function readProcStat(procRoot: string, pid: number): ProcStat | undefined {
  const stat = readProc(path.join(procRoot, String(pid), 'stat'))
  const up = readProc(path.join(procRoot, 'uptime'))
  if (!stat || !up) return undefined
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
  const hz = clockTicks()
  const cpuSec = (Number(f[11]) + Number(f[12])) / hz
  const uptimeSec = Math.max(0, Number(up.split(' ')[0]) - Number(f[19]) / hz)
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(path.join(procRoot, String(pid), 'status')) ?? '')
  return { uptimeSec, cpuSec, rssBytes: rss ? Number(rss[1]) * 1024 : undefined }
}
