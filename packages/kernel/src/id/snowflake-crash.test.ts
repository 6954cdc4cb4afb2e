import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../timer/clock.js'
import { FileSnowflakeStore } from './file-snowflake-store.js'
import { Snowflake } from './snowflake.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../../..')

/** Run the child until it has printed `lines` batches, then SIGKILL it; resolves with the largest id printed. */
function runAndKill(file: string, lines: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=tessera-source',
        '--import',
        'tsx',
        path.join(here, 'fixtures/snowflake-child.ts'),
        file,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let max = -1n
    let seen = 0
    let buf = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`child printed ${seen} batches in 15 s; stderr: ${stderr}`))
    }, 15_000)
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const parts = buf.split('\n')
      buf = parts.pop()!
      for (const p of parts) {
        const id = BigInt(p)
        if (id <= max) reject(new Error(`child ids not increasing: ${id} after ${max}`))
        max = id
        if (++seen === lines) child.kill('SIGKILL')
      }
    })
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL' && seen >= lines) resolve(max)
      else reject(new Error(`child exited early (signal ${signal}); stderr: ${stderr}`))
    })
  })
}

describe('Snowflake crash safety (real process, SIGKILL)', () => {
  it('a generator restarted after kill -9 on a clock 1.5 s behind issues only larger ids', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tessera-snowflake-crash-'))
    try {
      const file = path.join(dir, 'mark.json')
      const maxA = await runAndKill(file, 200) // 400k ids over a few hundred ms
      const markA = await new FileSnowflakeStore(file).load()
      expect(markA).toBeGreaterThanOrEqual(maxA)
      const clock = new ManualClock(Date.now() - 1500)
      const b = await Snowflake.open({
        machineId: 7,
        clock,
        store: new FileSnowflakeStore(file),
        keepAliveMs: 0,
      })
      const first = b.next()
      expect(first).toBeGreaterThan(maxA)
      expect(first).toBeGreaterThan(markA!)
      await b.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)
})
