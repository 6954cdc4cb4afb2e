import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stateFile, type UnitState } from './run-unit.js'

/** One unit as `deploy node status` reports it. */
export interface UnitStatus {
  unit: string
  state: string
  pid: number
  uptimeMs: number
  rssBytes: number
  restarts: number
}

/** Starts, stops and reports a node's units: systemd, or the supervisor where systemd is not PID 1. */
export interface ServiceManager {
  start(unit: string): Promise<void>
  stop(unit: string): Promise<void>
  status(unit: string): UnitStatus
}

/**
 * Whether a process runs. A zombie counts as gone: a detached runner that
 * exited stays a zombie until PID 1 reaps it, and in containers PID 1 may
 * never do so.
 */
export function alive(pid: number): boolean {
  if (!pid) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** The supervisor: one detached runner per unit (`deploy node run-unit`), state in `<root>/run`. */
export class Supervisor implements ServiceManager {
  /**
   * @param agent the command that runs `deploy node …`; by default this very
   *   process's entry point (source or built), so the runner is the same code.
   */
  constructor(
    private readonly unitsDir: string,
    private readonly runDir: string,
    private readonly agent: string[] = [process.execPath, ...process.execArgv, process.argv[1]!],
  ) {}

  private read(unit: string): UnitState | undefined {
    try {
      return JSON.parse(readFileSync(stateFile(this.runDir, unit), 'utf8')) as UnitState
    } catch {
      return undefined
    }
  }

  async start(unit: string): Promise<void> {
    const s = this.read(unit)
    if (s && alive(s.runnerPid)) return
    // A `.timer` gets the timer runner (its schedule), anything else is a `.service`.
    const timer = unit.endsWith('.timer')
    const unitPath = path.join(this.unitsDir, timer ? unit : `${unit}.service`)
    if (!existsSync(unitPath)) throw new Error(`no unit ${unitPath}`)
    // The runner is this same CLI (source or built), detached so it outlives this command.
    const [cmd, ...args] = this.agent
    const run = timer ? ['run-timer', '--timer', unitPath] : ['run-unit', '--unit', unitPath]
    const child = spawn(cmd!, [...args, 'node', ...run, '--run', this.runDir], {
      detached: true,
      stdio: 'ignore',
    })
    child.unref()
    for (let i = 0; i < 100; i++) {
      const now = this.read(unit)
      if (now && now.runnerPid === child.pid) return
      await sleep(50)
    }
    throw new Error(`${unit}: the runner did not start`)
  }

  async stop(unit: string): Promise<void> {
    const s = this.read(unit)
    if (!s || !alive(s.runnerPid)) return
    process.kill(s.runnerPid, 'SIGTERM')
    while (alive(s.runnerPid)) await sleep(50)
  }

  status(unit: string): UnitStatus {
    const s = this.read(unit)
    const running = s !== undefined && alive(s.runnerPid)
    const state = !s
      ? 'stopped'
      : running
        ? s.state
        : s.state === 'failed' || s.state === 'exited'
          ? s.state
          : 'stopped'
    const pid = running && s.pid && alive(s.pid) ? s.pid : 0
    return {
      unit,
      state,
      pid,
      uptimeMs: pid ? Date.now() - s!.startedAtMs : 0,
      rssBytes: pid ? rssBytes(pid) : 0,
      restarts: s?.restarts ?? 0,
    }
  }
}

function systemctl(...args: string[]): string {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' })
  if (r.error || r.status !== 0)
    throw new Error(`systemctl ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`)
  return r.stdout
}

/** systemd: the units are linked from `<root>/units` by `deploy up` / env-init. */
export class Systemd implements ServiceManager {
  async start(unit: string): Promise<void> {
    // A timer is also enabled, so it is scheduled again after a reboot.
    if (unit.endsWith('.timer')) systemctl('enable', '--now', unit)
    else systemctl('start', `${unit}.service`)
  }
  async stop(unit: string): Promise<void> {
    systemctl('stop', unit.endsWith('.timer') ? unit : `${unit}.service`)
  }
  status(unit: string): UnitStatus {
    const props = Object.fromEntries(
      systemctl(
        'show',
        unit.endsWith('.timer') ? unit : `${unit}.service`,
        '-p',
        'ActiveState,SubState,MainPID,ActiveEnterTimestampMonotonic,NRestarts',
      )
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    const pid = Number(props.MainPID ?? 0)
    const since = Number(props.ActiveEnterTimestampMonotonic ?? 0) / 1000
    const monoNow = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000
    const state =
      props.ActiveState === 'active'
        ? 'running'
        : props.ActiveState === 'inactive'
          ? 'stopped'
          : String(props.ActiveState)
    return {
      unit,
      state,
      pid,
      uptimeMs: pid && since ? Math.max(0, Math.round(monoNow - since)) : 0,
      rssBytes: pid ? rssBytes(pid) : 0,
      restarts: Number(props.NRestarts ?? 0),
    }
  }
}
