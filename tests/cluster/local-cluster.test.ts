import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { serverUrl } from '@tessera/storage/testing'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('the local cluster behind scripts/run.sh', () => {
  it('starts center, login, logic and gateways; bots play through them over tcp and ws; everything stops cleanly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-lc-'))
    try {
      const child = spawn(
        process.execPath,
        ['scripts/local-cluster.mjs', '--smoke', '--source', '--dir', dir, '--bots', '3'],
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
      expect(out.match(/\[bots\] # Bot run: 3\/3 played, 0 failed/g)?.length).toBe(2)
      for (const name of ['center', 'logic#1', 'logic#2', 'login', 'gateway#200', 'gateway#201'])
        expect(out).toContain(`${name} exited with 0`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
