// Runs scripts/local-cluster.mjs (what ./scripts/run.sh runs) as a child
// process in its own group, on the test MariaDB with a center database of
// its own, and collects its output; stops it by pid and drops the database.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverUrl, sql } from '@tessera/storage/testing'

export const root = fileURLToPath(new URL('../../..', import.meta.url))
let runs = 0

export interface RunCommand {
  child: ChildProcess
  dir: string
  out: () => string
  exited: Promise<number | null>
  /** Resolves once the output matches `re`; rejects if the command exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** pids.json of the run folder: the live pid of each service. */
  pids(): Record<string, number>
  /** Warnings and errors of every service log (for failure messages). */
  logProblems(): string
  /** The bots' JSON report of one stack. */
  botReport(stack: 'tcp' | 'ws'): BotReportJson
  cleanup(): Promise<void>
}

export interface BotReportJson {
  groups: Record<
    string,
    {
      bots: number
      played: number
      failed: number
      counts: Record<string, number>
      errors: Record<string, number>
      recovered: Record<string, number>
      failures: string[]
      requests: Record<string, { count: number; p99Ms: number }>
      chat?: {
        lines: number
        rateLimited: number
        deliveries: number
        deliveriesPerS: number
        fanoutP50Ms: number
        fanoutP99Ms: number
      }
    }
  >
  hostile: Record<
    string,
    { outcomes: Record<string, number>; expected: string[]; refusedAsDocumented: boolean }
  >
  missed: string[]
}

export async function runCommand(args: string[]): Promise<RunCommand> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-lc-'))
  const db = `lc_center_${process.pid}_${++runs}`
  const child = spawn(
    process.execPath,
    ['scripts/local-cluster.mjs', '--source', '--dir', dir, '--center-database', db, ...args],
    {
      cwd: root,
      env: { ...process.env, MYSQL_URL: await serverUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own group, like a shell job
    },
  )
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (c: string) => {
    out += c
    for (const l of listeners) l()
  }
  child.stdout!.setEncoding('utf8').on('data', onData)
  child.stderr!.setEncoding('utf8').on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let done = false
  void exited.then(() => {
    done = true
    for (const l of listeners) l()
  })
  return {
    child,
    dir,
    out: () => out,
    exited,
    waitFor(re, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`no ${re} in the output within ${timeoutMs} ms:\n${out.slice(-3000)}`))
        }, timeoutMs)
        const check = () => {
          const m = out.match(re)
          if (m || done) {
            clearTimeout(t)
            listeners.delete(check)
            if (m) resolve(m)
            else reject(new Error(`the run command exited before ${re}:\n${out.slice(-3000)}`))
          }
        }
        listeners.add(check)
        check()
      })
    },
    pids: () => JSON.parse(readFileSync(path.join(dir, 'pids.json'), 'utf8')),
    logProblems() {
      const logs = path.join(dir, 'logs')
      const lines: string[] = []
      for (const f of existsSync(logs) ? readdirSync(logs) : [])
        for (const l of readFileSync(path.join(logs, f), 'utf8').split('\n'))
          if (/"level":(50|60)/.test(l) || (!l.startsWith('{') && l.trim() && !f.startsWith('bots')))
            lines.push(`${f}: ${l.slice(0, 400)}`)
      return lines.slice(-40).join('\n')
    },
    botReport: (stack) => JSON.parse(readFileSync(path.join(dir, `bots-${stack}.json`), 'utf8')),
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        // Still running (a failed assertion): stop it and what it started.
        try {
          process.kill(-child.pid!, 'SIGINT')
        } catch {}
        const t = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL')
          } catch {}
        }, 30_000)
        await exited
        clearTimeout(t)
      }
      await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${db}\``)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
