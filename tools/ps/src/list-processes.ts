import { readdirSync } from 'node:fs'
import path from 'node:path'
import { identifyProcess, type ProcessIdentity } from './identify-process.js'
import { listeningPorts } from './listening-ports.js'
import { readLink, readProc, readProcStat } from './proc-files.js'

export interface TesseraProcess extends ProcessIdentity {
  pid: number
  uptimeSec: number
  cpuSec: number
  /** Average CPU use over the process's life, in % of one core. */
  cpuPercent: number
  rssBytes: number | undefined
  /** Listening TCP addresses; undefined when this user may not read them. */
  ports: string[] | undefined
}

export interface ListOptions {
  /** Default /proc. */
  procRoot?: string
  /** Only this service kind. */
  kind?: string
  /** Also read listening ports (a readlink per open fd). Default true. */
  ports?: boolean
}

/**
 * Every Tessera service process this user can see, by pid. Processes that
 * exit during the walk are skipped; nothing here throws for one process.
 */
export function listTesseraProcesses(opts: ListOptions = {}): TesseraProcess[] {
  const root = opts.procRoot ?? '/proc'
  const out: TesseraProcess[] = []
  for (const name of readdirSync(root)) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    const dir = path.join(root, name)
    const cmdline = readProc(path.join(dir, 'cmdline'))
    if (!cmdline) continue // kernel thread, or gone
    const id = identifyProcess({
      argv: cmdline.replace(/\0$/, '').split('\0'),
      env: parseEnviron(readProc(path.join(dir, 'environ')) ?? ''),
      cwd: readLink(path.join(dir, 'cwd')) ?? '/',
      readFile: readProc,
    })
    if (!id || (opts.kind !== undefined && id.kind !== opts.kind)) continue
    const st = readProcStat(root, pid)
    if (!st) continue
    out.push({
      ...id,
      pid,
      uptimeSec: round2(st.uptimeSec),
      cpuSec: round2(st.cpuSec),
      cpuPercent: st.uptimeSec > 0 ? round2((st.cpuSec / st.uptimeSec) * 100) : 0,
      rssBytes: st.rssBytes,
      ports: opts.ports === false ? undefined : listeningPorts(root, pid),
    })
  }
  return out.sort(
    (a, b) => a.kind.localeCompare(b.kind) || (a.serviceId ?? 0) - (b.serviceId ?? 0) || a.pid - b.pid,
  )
}

function parseEnviron(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const kv of text.split('\0')) {
    const eq = kv.indexOf('=')
    if (eq > 0 && kv.startsWith('TESSERA_')) env[kv.slice(0, eq)] = kv.slice(eq + 1)
  }
  return env
}

const round2 = (n: number) => Math.round(n * 100) / 100
