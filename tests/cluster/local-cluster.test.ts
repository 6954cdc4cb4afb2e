// The run command (./scripts/run.sh → scripts/local-cluster.mjs) as a user
// meets it: the cluster comes up with a compact summary, bots play through
// it, the run folder lets a user poke it (env file, machine-id tool), Ctrl-C
// stops everything once; --smoke is the CI form.
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { root, runCommand } from './support/run-command.js'

const SERVICES = ['center', 'logic#1', 'logic#2', 'login', 'gateway#200', 'gateway#201']

function parseEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const m = /^([A-Z_]+)='(.*)'$/.exec(l)!
        return [m[1]!, m[2]!]
      }),
  )
}

describe('the run command (scripts/run.sh)', () => {
  it('--smoke: bots play over tcp and ws for a fixed time, every service stops cleanly, exit 0', async () => {
    const run = await runCommand(['--smoke', '--bots', '6', '--duration', '20'])
    try {
      const code = await run.exited
      const out = run.out()
      expect(out, `${out.slice(-4000)}\n${run.logProblems()}`).toContain('smoke run passed')
      expect(code).toBe(0)
      // The compact summary, not raw log lines.
      expect(out).toMatch(/Tessera is up/)
      expect(out).toMatch(
        /icon catalogue: tools\/icons\/sample applied to database catalogue .*hash [0-9a-f]{64}/,
      )
      expect(out).toMatch(/logic#1 +on node-a, machine id \d+, READY/)
      expect(out).not.toMatch(/"level":\d+/)
      expect(out).toMatch(/bots over tcp: 3\/3 played \(\d+ rounds\), 0 failed/)
      expect(out).toMatch(/bots over ws: 3\/3 played \(\d+ rounds\), 0 failed/)
      for (const name of SERVICES) expect(out).toContain(`${name} exited with 0`)
      // Logs went to files in the run folder.
      expect(readFileSync(path.join(run.dir, 'logs', 'gateway#200.log'), 'utf8')).toMatch(/"msg"/)
      // A run without faults recovers from nothing: no re-login was needed.
      for (const stack of ['tcp', 'ws'] as const) {
        const g = run.botReport(stack).groups.players!
        expect(g.recovered).toEqual({})
        expect(g.counts.resumes).toBeGreaterThan(0)
      }
    } finally {
      await run.cleanup()
    }
  }, 150_000)

  it('prints what a user needs to poke the running cluster; Ctrl-C (SIGINT to the group) stops everything once', async () => {
    const run = await runCommand(['--bots', '2'])
    try {
      await run.waitFor(/Ctrl-C stops everything/)
      const out = run.out()
      const envFile = path.join(run.dir, 'cluster.env')
      expect(statSync(envFile).mode & 0o777).toBe(0o600)
      const env = parseEnv(envFile)
      expect(env.TESSERA_CLUSTER_SECRET).toMatch(/^[0-9a-f]{48}$/)
      expect(out).toContain(`. ${envFile}`)
      expect(out).toContain('machine-id --center $TESSERA_CENTER')
      // The printed command works against this run's center (the secret from the env file).
      const id = execFileSync(
        process.execPath,
        [
          '--conditions=tessera-source',
          '--import',
          'tsx',
          'tools/machine-id/src/cli.ts',
          '--center',
          env.TESSERA_CENTER!,
          '--node',
          'test-box',
          '--service',
          'logic',
        ],
        { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' },
      )
      expect(Number(id.trim())).toBeGreaterThanOrEqual(0)
      // The admin and metrics URLs answer.
      const cluster = (await (await fetch(`${env.TESSERA_CENTER_ADMIN}/admin/cluster`)).json()) as {
        services: { kind: string }[]
      }
      expect(cluster.services.filter((s) => s.kind === 'gateway')).toHaveLength(2)
      for (const url of env.TESSERA_METRICS!.split(' ')) {
        expect(out).toContain(url)
        expect((await fetch(url)).status).toBe(200)
      }
      expect(await (await fetch(env.TESSERA_METRICS!.split(' ')[0]!)).text()).toMatch(/# TYPE/)
      await run.waitFor(/\[bots tcp\].*rounds [1-9]/, 90_000)

      process.kill(-run.child.pid!, 'SIGINT')
      expect(await run.exited, run.out().slice(-3000)).toBe(0)
      const all = run.out()
      expect(all).toContain('stopped cleanly')
      for (const name of SERVICES) expect(all).toContain(`${name} exited with 0`)
      // Each service got one signal: none skipped its drain.
      expect(all).not.toContain('second signal')
      // The bots wound down and still wrote their report.
      expect(all).toMatch(/bots over tcp: 1\/1 played/)
    } finally {
      await run.cleanup()
    }
  }, 150_000)
})
