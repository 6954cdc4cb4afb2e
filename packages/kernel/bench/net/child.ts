// Fork a bench child with the same loader flags as this process and talk to it over IPC.
import { type ChildProcess, fork } from 'node:child_process'

export interface Child {
  proc: ChildProcess
  first: Record<string, unknown>
  ask(msg: string): Promise<Record<string, unknown>>
  kill(): Promise<void>
}

export function forkChild(script: string, args: string[], timeoutMs = 60_000): Promise<Child> {
  const proc = fork(script, args, {
    execArgv: process.execArgv,
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
