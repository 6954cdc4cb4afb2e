// Many concurrent ownership claims of one key from several logic processes
// (the claimer fixture): exactly one owner per epoch, epochs without gaps,
// each claim told the owner it displaced; then every process acts as the
// owner at its highest epoch and the storage fences all but the last one.
// Slow suite (children start through tsx): every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Storage } from '@tessera/storage'
import { sql, type TestDatabase, testDatabase, withDatabase } from '@tessera/storage/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CenterComponentIds } from './component-ids.js'
import { type CenterHandle, dropDatabases, startCenter } from './fixtures/harness.js'
import { Player } from './fixtures/player-entity.js'
import type { OwnershipComponent } from './ownership/index.js'

const CLAIMER = fileURLToPath(new URL('./fixtures/claimer-process.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PROCESSES = 4
const CLAIMS_EACH = 15
const KEY = 'player:42'

interface Claimer {
  id: number
  child: ChildProcess
  /** Sends one command and resolves with the process's next JSON line. */
  send(cmd: object): Promise<Record<string, unknown>>
  exited: Promise<void>
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(dropDatabases)

function claimer(id: number, center: string, db: TestDatabase): Promise<Claimer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-claimer-'))
  const child = spawn(
    process.execPath,
    [
      '--conditions=tessera-source',
      '--import',
      'tsx',
      CLAIMER,
      String(id),
      center,
      JSON.stringify({ url: db.url, service: db.service, machineId: db.machineId }),
      dir,
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  const waiting: ((line: Record<string, unknown>) => void)[] = []
  let buf = ''
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString()
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.startsWith('{')) waiting.shift()?.(JSON.parse(line) as Record<string, unknown>)
    }
  })
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      waiting.push(resolve)
      child.once('exit', (code) => reject(new Error(`claimer ${id} exited (${code})`)))
    })
  const send = (cmd: object) => {
    const answer = next()
    child.stdin!.write(`${JSON.stringify(cmd)}\n`)
    return answer
  }
  return next().then((hello) => {
    expect(hello).toEqual({ ready: true })
    return { id, child, send, exited }
  })
}

describe('ownership claims racing from several processes', () => {
  it(`${PROCESSES} processes × ${CLAIMS_EACH} concurrent claims of one key: one owner per epoch, stale owners fenced`, {
    timeout: 180_000,
  }, async () => {
    // The claims queue on one row lock: under a loaded machine that can take
    // longer than the default per-operation deadline, which is not what this
    // test is about (database-hang.fault.test.ts is).
    const center: CenterHandle = await startCenter({ center: { dbTimeoutMs: 60_000 } })
    cleanups.push(() => center.close())
    const db = await testDatabase('race')
    cleanups.push(() => db.drop())
    // The player row exists before anyone owns it (epoch 0).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-race-seed-'))
    const seed = new Storage({ ...db, entities: [Player], dataDir: dir })
    await seed.start()
    seed.create(Player, { id: 42n, gold: 0 })
    await seed.stop()
    rmSync(dir, { recursive: true, force: true })

    const ids = Array.from({ length: PROCESSES }, (_, i) => 31 + i)
    const procs = await Promise.all(ids.map((id) => claimer(id, center.address, db)))

    // The race: every process fires its claims at once.
    const answers = await Promise.all(procs.map((p) => p.send({ cmd: 'claim', key: KEY, n: CLAIMS_EACH })))
    const owners = new Map<bigint, { owner: number; previousOwner: number }>()
    answers.forEach((a, i) => {
      for (const c of a.claims as { epoch: string; previousOwner: number }[]) {
        const epoch = BigInt(c.epoch)
        expect(owners.has(epoch), `epoch ${epoch} granted twice`).toBe(false)
        owners.set(epoch, { owner: procs[i]!.id, previousOwner: c.previousOwner })
      }
    })
    const total = PROCESSES * CLAIMS_EACH
    // One owner per epoch, no gaps: the claims were serialized.
    expect([...owners.keys()].sort((a, b) => (a < b ? -1 : 1))).toEqual(
      Array.from({ length: total }, (_, i) => BigInt(i + 1)),
    )
    // Each claim displaced exactly the owner of the epoch before it (0: itself, or nobody).
    for (let e = 1n; e <= BigInt(total); e++) {
      const before = e === 1n ? 0 : owners.get(e - 1n)!.owner
      const { owner, previousOwner } = owners.get(e)!
      expect(previousOwner, `previous owner at epoch ${e}`).toBe(before === owner ? 0 : before)
    }
    const last = owners.get(BigInt(total))!.owner
    const store = center.component<OwnershipComponent>(CenterComponentIds.Ownership).store
    expect(await store.owner(KEY)).toEqual({ owner: last, epoch: BigInt(total) })

    // Everyone believes it owns the player and writes, all at once: the last owner's write lands.
    const writes = await Promise.all(procs.map((p) => p.send({ cmd: 'write', gold: p.id })))
    expect(writes[ids.indexOf(last)]).toEqual({ write: { landed: 1, error: null } })
    const row = () =>
      sql<{ gold: number; _epoch: string }[]>(
        withDatabase(db.url, db.name),
        'SELECT gold, _epoch FROM player WHERE id = 42',
      )
    expect(await row()).toEqual([{ gold: last, _epoch: String(total) }])

    // The stale owners keep writing: every one is refused, the owner's lands.
    const again = await Promise.all(procs.map((p) => p.send({ cmd: 'write', gold: p.id + 1000 })))
    procs.forEach((p, i) => {
      if (p.id === last) expect(again[i]).toEqual({ write: { landed: 1, error: null } })
      else expect(again[i]).toEqual({ write: { landed: 0, error: 'STORAGE_STALE_EPOCH' } })
    })
    expect(await row()).toEqual([{ gold: last + 1000, _epoch: String(total) }])
    // And the center lets only the owner release the key.
    const released = await Promise.all(procs.map((p) => p.send({ cmd: 'release', key: KEY })))
    expect(released.map((r) => r.released)).toEqual(ids.map((id) => id === last))

    for (const p of procs) p.child.stdin!.end()
    await Promise.all(procs.map((p) => p.exited))
  })
})
