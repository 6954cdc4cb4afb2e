// Fork a bench child with the same loader flags as this process and talk to it over IPC.
import { type ChildProcess, fork, spawnSync } from 'node:child_process'
import os from 'node:os'

export interface Child {
  proc: ChildProcess
  first: Record<string, unknown>
  ask(msg: string): Promise<Record<string, unknown>>
  kill(): Promise<void>
}

export function forkChild(
  script: string,
  args: string[],
  timeoutMs = 60_000,
  execArgv: string[] = process.execArgv,
): Promise<Child> {
  const proc = fork(script, args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((res, rej) => {
      const onMessage = (m: unknown): void => {
        clearTimeout(t)
        proc.off('exit', onExit)
        res(m as Record<string, unknown>)
      }
      const onExit = (code: number | null): void => {
        clearTimeout(t)
        proc.off('message', onMessage)
        rej(new Error(`bench child exited with ${code}`))
      }
      const t = setTimeout(() => {
        proc.off('message', onMessage)
        proc.off('exit', onExit)
        rej(new Error(`bench child ${script} ${args.join(' ')} did not answer`))
      }, timeoutMs)
      proc.once('message', onMessage)
      proc.once('exit', onExit)
    })
  return next().then((first) => ({
    proc,
    first,
    ask(msg: string) {
      const p = next()
      proc.send(msg)
      return p
    },
    kill() {
      return new Promise<void>((res) => {
        if (proc.exitCode !== null) return res()
        proc.once('exit', () => res())
        proc.kill('SIGKILL')
      })
    },
  }))
}

/**
 * Pin a process (every thread) to one CPU with taskset, so the server and
 * the load generator never share a core: on a 2-core machine the scheduler
 * otherwise moves them around and each move costs the server cache misses
 * that show up as CPU per message. Returns false (and pins nothing) when
 * taskset is missing or the machine has fewer than 2 CPUs.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  if (os.availableParallelism() < 2) return false
  const r = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
  return r.status === 0
}
