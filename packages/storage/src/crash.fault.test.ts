import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { JournalMode } from './durability/journal.js'
import { Event, Player } from './fixtures/entities.js'
import { Storage } from './storage.js'
import { sql, testDatabase, withDatabase } from './testing/mariadb.js'

// Slow suite (a few seconds): kill -9 a real writing process, restart, count.

const root = fileURLToPath(new URL('../../..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/writer.fixture.ts', import.meta.url))

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Run the writer until it has acknowledged at least `minAcks` changes, then SIGKILL it. */
function runAndKill(args: string[], minAcks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=tessera-source', '--import', 'tsx', fixture, ...args],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let acked = -1
    let buf = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`writer did not reach ${minAcks} acks in time; stderr: ${stderr}`))
    }, 45_000)
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const l of lines) if (l.startsWith('ack ')) acked = Number(l.slice(4))
      if (acked >= minAcks && !child.killed) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(acked)
      else reject(new Error(`writer exited by itself (${code}); stderr: ${stderr}`))
    })
  })
}

describe('kill -9 of a writing process', () => {
  for (const [mode, acks] of [
    ['write', 20_000],
    ['always', 1_000],
  ] as [JournalMode, number][]) {
    it(`loses no journaled change (journal ${mode})`, { timeout: 90_000 }, async () => {
      const db = await testDatabase('kj')
      cleanups.push(() => db.drop())
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-crash-'))
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
      const acked = await runAndKill([db.url, db.service, String(db.machineId), dataDir, mode], acks)
      expect(acked).toBeGreaterThanOrEqual(acks)
      const q = (s: string) => sql<Record<string, string>[]>(withDatabase(db.url, db.name), s)
      const before = Number((await q('SELECT COUNT(*) AS n FROM event'))[0]?.n)
      // Restart: the journal is replayed at start.
      const s = new Storage({
        url: db.url,
        service: db.service,
        machineId: db.machineId,
        dataDir,
        entities: [Player, Event],
      })
      await s.start()
      cleanups.push(() => s.stop())
      const n = Number((await q('SELECT COUNT(*) AS n FROM event'))[0]?.n)
      const max = Number((await q('SELECT MAX(seq) AS m FROM event'))[0]?.m)
      // Every acknowledged event is there; the ones after it may be too (journaled, not yet acked).
      expect(max).toBeGreaterThanOrEqual(acked)
      expect(n).toBe(max + 1)
      const gold = (await s.load(Player, 1n))?.gold ?? -1
      // The kill may land between an event and the gold assignment after it.
      expect(gold).toBeGreaterThanOrEqual(Math.max(acked, max - 1))
      expect(gold).toBeLessThanOrEqual(max)
      // The crash really happened between change and flush for part of the stream.
      expect(before).toBeLessThan(n)
    })
  }
})
