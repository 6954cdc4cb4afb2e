import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseUnitFile, splitCommand, unitEnvironment, unitValue } from './unit-file.js'

/** The runner's record of one unit (`<run>/<unit>.json`); `deploy node status` reads it. */
export interface UnitState {
  unit: string
  runnerPid: number
  pid: number
  state: 'running' | 'restarting' | 'stopping' | 'failed' | 'exited'
  startedAtMs: number
  restarts: number
  lastExit?: string
}

// systemd's default start limit: 5 starts in 10 s, then the unit is failed.
const START_LIMIT = 5
const START_WINDOW_MS = 10_000

export function stateFile(runDir: string, unit: string): string {
  return path.join(runDir, `${unit}.json`)
}

function save(file: string, s: UnitState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s))
  renameSync(`${file}.tmp`, file)
}

/**
 * Run one unit's ExecStart the way systemd would without systemd: its
 * environment files, working directory, open-file limit and log file, and
 * Restart=on-failure with RestartSec and the start limit. SIGTERM stops the
 * process (SIGKILL after TimeoutStopSec) and ends the runner.
 */
export function runUnit(unitPath: string, runDir: string): Promise<void> {
  const unit = path.basename(unitPath).replace(/\.service$/, '')
  const u = parseUnitFile(readFileSync(unitPath, 'utf8'))
  const argv = splitCommand(unitValue(u, 'Service', 'ExecStart') ?? '')
  if (argv.length === 0) throw new Error(`${unitPath} has no ExecStart`)
  const env = unitEnvironment(u, process.env)
  const cwd = unitValue(u, 'Service', 'WorkingDirectory') ?? '/'
  mkdirSync(cwd, { recursive: true })
  const restart = unitValue(u, 'Service', 'Restart') ?? 'no'
  const restartMs = Number(unitValue(u, 'Service', 'RestartSec') ?? '0.1') * 1000
  const stopMs = Number(unitValue(u, 'Service', 'TimeoutStopSec') ?? '90') * 1000
  const nofile = unitValue(u, 'Service', 'LimitNOFILE')
  const out = unitValue(u, 'Service', 'StandardOutput')
  const logFile = out?.startsWith('append:') ? out.slice('append:'.length) : undefined

  const file = stateFile(runDir, unit)
  mkdirSync(runDir, { recursive: true })
  const starts: number[] = []
  let child: ChildProcess | undefined
  let stopping = false
  let restarts = 0

  return new Promise<void>((resolve) => {
    const start = () => {
      const now = Date.now()
      starts.push(now)
      while (starts[0]! < now - START_WINDOW_MS) starts.shift()
      let fd: number | undefined
      if (logFile) {
        mkdirSync(path.dirname(logFile), { recursive: true })
        fd = openSync(logFile, 'a')
      }
      // bash sets the open-file limit the way LimitNOFILE= would, then becomes the service.
      const limit = nofile ? `ulimit -n ${Number(nofile)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ` : ''
      child = spawn('bash', ['-c', `${limit}exec "$@"`, 'bash', ...argv], {
        cwd,
        env,
        stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'],
      })
      if (fd !== undefined) closeSync(fd)
      const c = child
      save(file, {
        unit,
        runnerPid: process.pid,
        pid: c.pid ?? 0,
        state: 'running',
        startedAtMs: now,
        restarts,
      })
      c.on('exit', (code, signal) => {
        const lastExit = signal ? `signal ${signal}` : `code ${code}`
        if (stopping) {
          rmSync(file, { force: true })
          resolve()
          return
        }
        const failed = signal !== null || code !== 0
        const again = restart === 'always' || (restart === 'on-failure' && failed)
        if (again && starts.length < START_LIMIT) {
          restarts++
          save(file, {
            unit,
            runnerPid: process.pid,
            pid: 0,
            state: 'restarting',
            startedAtMs: now,
            restarts,
            lastExit,
          })
          setTimeout(() => {
            if (!stopping) start()
          }, restartMs)
        } else {
          const state = failed ? 'failed' : 'exited'
          save(file, { unit, runnerPid: 0, pid: 0, state, startedAtMs: now, restarts, lastExit })
          resolve()
        }
      })
    }
    const stop = () => {
      if (stopping) return
      stopping = true
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) {
        rmSync(file, { force: true })
        resolve()
        return
      }
      c.kill('SIGTERM')
      setTimeout(() => c.kill('SIGKILL'), stopMs).unref()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    start()
  })
}
