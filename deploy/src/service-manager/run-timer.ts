import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { nextElapse, parseCalendar } from '../schedule/index.js'
import { stateFile } from './run-unit.js'
import { parseUnitFile, splitCommand, unitEnvironment, unitValue } from './unit-file.js'

/** The timer runner's record (`<run>/<name>.timer.json`); `deploy node status` reads it. */
export interface TimerState {
  unit: string
  runnerPid: number
  pid: number
  state: 'waiting' | 'running'
  startedAtMs: number
  /** Runs started (restarts field of the status: the count of triggers). */
  restarts: number
  /** When the last run was triggered (wall ms): Persistent= catches up from it. */
  lastTriggerMs: number
  nextElapseMs: number | null
  lastExit?: string
}

/** Longest single wait: the schedule is re-read against the clock at least this often. */
const MAX_SLEEP_MS = 60_000

function save(file: string, s: TimerState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s))
  renameSync(`${file}.tmp`, file)
}

function previous(file: string): TimerState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TimerState
  } catch {
    return undefined
  }
}

/** Run one command to its end; resolves with its exit description. */
function runCommand(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  logFile: string | undefined,
  onChild: (c: ChildProcess | undefined) => void,
): Promise<string> {
  return new Promise((resolve) => {
    let fd: number | undefined
    if (logFile) {
      mkdirSync(path.dirname(logFile), { recursive: true })
      fd = openSync(logFile, 'a')
    }
    const c = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore'] })
    if (fd !== undefined) closeSync(fd)
    onChild(c)
    c.on('error', (err) => {
      onChild(undefined)
      resolve(`error ${err.message}`)
    })
    c.on('exit', (code, signal) => {
      onChild(undefined)
      resolve(signal ? `signal ${signal}` : `code ${code}`)
    })
  })
}

/**
 * Run a `.timer` unit the way systemd would without systemd: at each
 * OnCalendar= elapse (plus up to RandomizedDelaySec=), run its oneshot
 * service's ExecStart= lines in order, then ExecStartPost= when they all
 * succeeded, with the service's environment. Persistent=true runs at once
 * when an elapse passed while the runner was down (from the last trigger in
 * its state file). SIGTERM ends the runner (and a run in progress).
 */
export function runTimer(timerPath: string, runDir: string): Promise<void> {
  const unit = path.basename(timerPath)
  const t = parseUnitFile(readFileSync(timerPath, 'utf8'))
  const spec = parseCalendar(unitValue(t, 'Timer', 'OnCalendar') ?? '')
  const persistent = unitValue(t, 'Timer', 'Persistent') === 'true'
  const delayMs = Number(unitValue(t, 'Timer', 'RandomizedDelaySec') ?? '0') * 1000
  const servicePath = path.join(
    path.dirname(timerPath),
    unitValue(t, 'Timer', 'Unit') ?? unit.replace(/\.timer$/, '.service'),
  )
  const file = stateFile(runDir, unit)
  mkdirSync(runDir, { recursive: true })
  const before = previous(file)
  const state: TimerState = {
    unit,
    runnerPid: process.pid,
    pid: 0,
    state: 'waiting',
    startedAtMs: Date.now(),
    restarts: before?.restarts ?? 0,
    lastTriggerMs: before?.lastTriggerMs ?? 0,
    nextElapseMs: null,
    ...(before?.lastExit ? { lastExit: before.lastExit } : {}),
  }
  let stopping = false
  let child: ChildProcess | undefined
  let wake: (() => void) | undefined

  const fire = async () => {
    // The service file is read at each run, as systemd does after a daemon-reload.
    const u = parseUnitFile(readFileSync(servicePath, 'utf8'))
    const env = unitEnvironment(u, process.env)
    const cwd = unitValue(u, 'Service', 'WorkingDirectory') ?? '/'
    const out = unitValue(u, 'Service', 'StandardOutput')
    const logFile = out?.startsWith('append:') ? out.slice('append:'.length) : undefined
    state.state = 'running'
    state.restarts++
    state.lastTriggerMs = Date.now()
    save(file, state)
    let exit = 'code 0'
    const lines = [
      ...(u.get('Service')?.get('ExecStart') ?? []),
      ...(u.get('Service')?.get('ExecStartPost') ?? []),
    ]
    for (const line of lines) {
      if (stopping) break
      exit = await runCommand(splitCommand(line), env, cwd, logFile, (c) => {
        child = c
        state.pid = c?.pid ?? 0
      })
      if (exit !== 'code 0') break
    }
    state.state = 'waiting'
    state.pid = 0
    state.lastExit = exit
    save(file, state)
  }

  return new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true
      child?.kill('SIGTERM')
      wake?.()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    const loop = async () => {
      let next = nextElapse(spec, state.lastTriggerMs || Date.now())
      // Persistent=: an elapse missed while down runs now; otherwise wait for the next one.
      if (!(persistent && state.lastTriggerMs && next !== null && next <= Date.now()))
        next = nextElapse(spec, Date.now())
      while (!stopping && next !== null) {
        const at = next + (delayMs > 0 ? Math.floor(Math.random() * delayMs) : 0)
        state.nextElapseMs = at
        save(file, state)
        while (!stopping && Date.now() < at) {
          await new Promise<void>((r) => {
            wake = r
            setTimeout(r, Math.min(MAX_SLEEP_MS, at - Date.now()))
          })
        }
        if (stopping) break
        await fire()
        next = nextElapse(spec, Math.max(Date.now(), next))
      }
      rmSync(`${file}.tmp`, { force: true })
      // The state file stays: its last trigger is what Persistent= catches up from.
      state.runnerPid = 0
      state.pid = 0
      save(file, state)
      resolve()
    }
    void loop()
  })
}
