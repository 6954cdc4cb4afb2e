import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverUrl, sql } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
let runs = 0
/** A center database of its own per run: machine-id claims of another run never meet this one. */
const centerDb = () => `lc_center_${process.pid}_${++runs}`

describe('the local cluster behind scripts/run.sh', () => {
  it('starts center, login, logic and gateways; bots play through them over tcp and ws; everything stops cleanly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-lc-'))
    const db = centerDb()
    try {
      const child = spawn(
        process.execPath,
        [
          'scripts/local-cluster.mjs',
          '--smoke',
          '--source',
          '--dir',
          dir,
          '--bots',
          '3',
          '--center-database',
          db,
        ],
        {
          cwd: root,
          env: { ...process.env, MYSQL_URL: await serverUrl() },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c
      })
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        out += c
      })
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
      expect(out, out.slice(-3000)).toContain('smoke run passed')
      expect(code).toBe(0)
      expect(out).toMatch(/logic#1 on node-a: machine id \d+, READY/)
      expect(out).toMatch(/logic#2 on node-b: machine id \d+, READY/)
      expect(out).toMatch(/\[logic#1\] peer-ping: answered .*logic#2 got: ping/)
      expect(out).toMatch(/\[logic#2\] peer-ping: answered .*logic#1 got: ping/)
      expect(out).toMatch(
        /logic#1 metrics \(http:\/\/127\.0\.0\.1:\d+\/metrics\): logic_peer_pings_total [1-9]/,
      )
      for (const stack of ['tcp', 'ws']) expect(out).toContain(`bots over ${stack}: every bot played`)
      // The sample icon set is applied and pushed to every bot's player (3 per stack) at its first
      // connect, once: each bot logs in twice, and 12 would mean a push per connect.
      expect(out).toMatch(
        /icon catalogue: tools\/icons\/sample applied to database catalogue .*hash [0-9a-f]{64}/,
      )
      expect(out).toMatch(/icon catalogue: pushed whole to 6 players at their first connect/)
      expect(out.match(/\[bots\] # Bot run: 3\/3 played, 0 failed/g)?.length).toBe(2)
      for (const name of ['center', 'logic#1', 'logic#2', 'login', 'gateway#200', 'gateway#201'])
        expect(out).toContain(`${name} exited with 0`)
    } finally {
      await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${db}\``)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)

  it('Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops every service once, gracefully', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-lc-'))
    const db = centerDb()
    try {
      const child = spawn(
        process.execPath,
        ['scripts/local-cluster.mjs', '--source', '--dir', dir, '--bots', '1', '--center-database', db],
        {
          cwd: root,
          env: { ...process.env, MYSQL_URL: await serverUrl() },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true, // its own group, like a shell job
        },
      )
      let out = ''
      const running = new Promise<void>((resolve) => {
        const onData = (c: string) => {
          out += c
          if (out.includes('Ctrl-C stops everything')) resolve()
        }
        child.stdout.setEncoding('utf8').on('data', onData)
        child.stderr.setEncoding('utf8').on('data', onData)
      })
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      await Promise.race([running, exited])
      expect(out, out.slice(-3000)).toContain('Ctrl-C stops everything')
      process.kill(-child.pid!, 'SIGINT')
      expect(await exited, out.slice(-3000)).toBe(0)
      expect(out).toContain('stopped cleanly')
      for (const name of ['center', 'logic#1', 'logic#2', 'login', 'gateway#200', 'gateway#201'])
        expect(out).toContain(`${name} exited with 0`)
      // Each service got one signal: none skipped its drain.
      expect(out).not.toContain('second signal')
    } finally {
      await sql(await serverUrl(), `DROP DATABASE IF EXISTS \`${db}\``)
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
