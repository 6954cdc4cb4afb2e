import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { alive, Supervisor } from './service-manager.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervisor-'))
const units = path.join(tmp, 'units')
const run = path.join(tmp, 'run')
mkdirSync(units)
// The runner is the real agent entry point, from source.
const agent = [
  process.execPath,
  '--conditions=tessera-source',
  '--import',
  `file://${path.join(repo, 'node_modules/tsx/dist/loader.mjs')}`,
  path.join(repo, 'deploy/src/agent-cli.ts'),
]
const sup = new Supervisor(units, run, agent)
const started: string[] = []
afterAll(async () => {
  for (const u of started) await sup.stop(u)
  rmSync(tmp, { recursive: true, force: true })
})

function unit(name: string, script: string, extra = ''): string {
  const js = path.join(tmp, `${name}.mjs`)
  writeFileSync(js, script)
  writeFileSync(path.join(tmp, `${name}.env`), 'GREETING="hello world"\n')
  writeFileSync(
    path.join(units, `${name}.service`),
    `[Unit]\nDescription=${name}\n\n[Service]\nEnvironmentFile=${tmp}/${name}.env\nWorkingDirectory=${tmp}/wd-${name}\n` +
      `ExecStart=${process.execPath} ${js}\nStandardOutput=append:${tmp}/${name}.log\nStandardError=inherit\n${extra}`,
  )
  started.push(name)
  return name
}

async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe('supervisor', () => {
  it("runs a unit's ExecStart with its env file, working directory, open-file limit and log; stop ends it", async () => {
    const u = unit(
      'echo',
      "import fs from 'node:fs'\nconsole.log(process.env.GREETING + ' from ' + process.cwd())\n" +
        "console.log(fs.readFileSync('/proc/self/limits','utf8').split('\\n').find((l) => l.startsWith('Max open files')))\n" +
        'setInterval(() => {}, 1000)\n',
      'Restart=on-failure\nLimitNOFILE=4321\n',
    )
    await sup.start(u)
    const s = sup.status(u)
    expect(s.state).toBe('running')
    expect(alive(s.pid)).toBe(true)
    await until('the log', () => readFileSync(path.join(tmp, 'echo.log'), 'utf8').includes('Max open files'))
    const log = readFileSync(path.join(tmp, 'echo.log'), 'utf8')
    expect(log).toContain(`hello world from ${tmp}/wd-echo`)
    expect(log).toMatch(/Max open files\s+4321\s+4321/)
    await sup.start(u) // already running: nothing new
    expect(sup.status(u).pid).toBe(s.pid)
    await sup.stop(u)
    expect(alive(s.pid)).toBe(false)
    expect(sup.status(u)).toMatchObject({ state: 'stopped', pid: 0 })
  })

  it('restarts a crashed process (Restart=on-failure) and gives up after the start limit', async () => {
    const crash = unit(
      'crash',
      'setTimeout(() => process.exit(3), 100)\n',
      'Restart=on-failure\nRestartSec=0.05\n',
    )
    await sup.start(crash)
    await until('the start limit', () => sup.status(crash).state === 'failed')
    expect(sup.status(crash)).toMatchObject({ state: 'failed', pid: 0, restarts: 4 })
    const state = JSON.parse(readFileSync(path.join(run, 'crash.json'), 'utf8')) as { lastExit: string }
    expect(state.lastExit).toBe('code 3')
  })

  it('does not restart a clean exit, nor anything without Restart=', async () => {
    const clean = unit('clean', 'setTimeout(() => process.exit(0), 100)\n', 'Restart=on-failure\n')
    const once = unit('once', 'setTimeout(() => process.exit(1), 100)\n')
    await sup.start(clean)
    await sup.start(once)
    await until(
      'both to end',
      () => sup.status(clean).state === 'exited' && sup.status(once).state === 'failed',
    )
    expect(sup.status(clean).restarts).toBe(0)
    expect(sup.status(once).restarts).toBe(0)
  })
})
