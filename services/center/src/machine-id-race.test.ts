// Machine ids are unique per live process: real Application processes (the
// id-minter fixture) lease their ids from an in-process center, mint
// snowflake ids, and get killed. Slow suite (children start through tsx):
// every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { leaseMachineId } from '@tessera/kernel'
import { clusterWire } from '@tessera/protocol'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type CenterHandle, dropDatabases, SECRET, startCenter, until } from './fixtures/harness.js'

const MINTER = fileURLToPath(new URL('./fixtures/id-minter-process.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface Minter {
  child: ChildProcess
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the process's machine id and minted ids once it is READY, or with its exit code. */
  outcome: Promise<{ machineId: number; ids: string[] } | { exit: number | null; output: string }>
  exited: Promise<void>
}

const children: ChildProcess[] = []
const dirs: string[] = []
const centers: CenterHandle[] = []
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r))
      c.kill('SIGKILL')
      await gone
    }
  }
  for (const c of centers.splice(0)) await c.close()
})
afterAll(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  await dropDatabases()
})

function dataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tessera-minter-'))
  dirs.push(d)
  return d
}

function minter(
  center: string,
  o: { node: string; serviceId: number; slot?: number; dir?: string; count?: number; everyMs?: number },
): Minter {
  const args = [
    '--conditions=tessera-source',
    '--import',
    'tsx',
    MINTER,
    '--app.node',
    o.node,
    '--app.dataDir',
    o.dir ?? dataDir(),
    '--cluster.center',
    center.replace('tcp://', ''),
    '--minter.serviceId',
    String(o.serviceId),
    '--minter.count',
    String(o.count ?? 2000),
    '--minter.everyMs',
    String(o.everyMs ?? 0),
    '--log.pretty',
    'false',
    '--log.level',
    'info',
  ]
  if (o.slot !== undefined) args.push('--app.slot', String(o.slot))
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, TESSERA_CLUSTER__SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const outcome = new Promise<{ machineId: number; ids: string[] } | { exit: number | null; output: string }>(
    (resolve) => {
      let buf = ''
      child.stdout!.on('data', (c: Buffer) => {
        buf += c.toString()
        output += c.toString()
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          if (line.startsWith('{"minted"'))
            resolve((JSON.parse(line) as { minted: { machineId: number; ids: string[] } }).minted)
        }
      })
      child.stderr!.on('data', (c: Buffer) => {
        output += c.toString()
      })
      child.once('exit', (code) => resolve({ exit: code, output }))
    },
  )
  return { child, outcome, exited, output: () => output }
}

/** The `tick` lines a minter printed (see id-minter-process.ts). */
function ticks(text: string): { id?: string; error?: string; atMs: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{"tick"'))
    .map((l) => (JSON.parse(l) as { tick: { id?: string; error?: string; atMs: number } }).tick)
}

async function center(holderTtlMs = 30_000): Promise<CenterHandle> {
  const c = await startCenter({ center: { holderTtlMs } })
  centers.push(c)
  return c
}

function minted(o: Awaited<Minter['outcome']>): { machineId: number; ids: string[] } {
  if ('exit' in o) throw new Error(`minter exited ${o.exit} before minting:\n${o.output}`)
  return o
}

describe('machine ids are unique per live process', () => {
  it('two processes racing for one (node, kind, slot): one runs, the other is refused; a restart gets the id back', {
    timeout: 90_000,
  }, async () => {
    const c = await center()
    // Distinct service ids (the registry would refuse a duplicate one on
    // its own), the same slot: the hostile second process would go on to
    // register and mint ids with the same machine id if it got one.
    const dirs = [dataDir(), dataDir()]
    const a = minter(c.address, { node: 'node-x', serviceId: 101, slot: 7, dir: dirs[0] })
    const b = minter(c.address, { node: 'node-x', serviceId: 102, slot: 7, dir: dirs[1] })
    const [oa, ob] = await Promise.all([a.outcome, b.outcome])
    const winners = [oa, ob].filter((o) => !('exit' in o))
    const losers = [oa, ob].filter((o) => 'exit' in o) as { exit: number | null; output: string }[]
    expect(winners.length, 'exactly one process runs with the id').toBe(1)
    expect(losers).toHaveLength(1)
    expect(losers[0]!.exit).toBe(1)
    expect(losers[0]!.output).toContain('CENTER_MACHINE_ID_HELD')
    const first = minted(winners[0]!)
    expect(c.registry.list().filter((s) => s.node === 'node-x')).toHaveLength(1)

    // The winner is killed -9; its restart (a new holder token) gets the same id back at once.
    const w = winners[0] === oa ? 0 : 1
    const winner = [a, b][w]!
    winner.child.kill('SIGKILL')
    await winner.exited
    const restart = minter(c.address, { node: 'node-x', serviceId: 101 + w, slot: 7, dir: dirs[w] })
    const again = minted(await restart.outcome)
    expect(again.machineId).toBe(first.machineId)
    expect(new Set([...first.ids, ...again.ids]).size).toBe(first.ids.length + again.ids.length)
  })

  it('several processes of one kind on one node (slots from their service ids): distinct ids, no colliding snowflakes', {
    timeout: 90_000,
  }, async () => {
    const c = await center()
    const ms = [201, 202, 203].map((serviceId) => minter(c.address, { node: 'node-y', serviceId }))
    const got = (await Promise.all(ms.map((m) => m.outcome))).map(minted)
    expect(new Set(got.map((g) => g.machineId)).size).toBe(3)
    const all = got.flatMap((g) => g.ids)
    expect(new Set(all).size).toBe(all.length)
    await until(
      () => c.registry.list().filter((s) => s.node === 'node-y').length === 3,
      5000,
      'all registered',
    )
  })

  it('grants one id to exactly one of 20 concurrent holders of a key, and again to the same holder', async () => {
    const c = await center()
    const ask = (holder: string) =>
      leaseMachineId({
        center: c.address,
        secret: SECRET,
        wire: clusterWire,
        node: 'node-z',
        kind: 'logic',
        slot: 3,
        holder,
      })
    const settled = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ask(`holder-${i}`)))
    const granted = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, lease: s.value }] : []))
    expect(granted).toHaveLength(1)
    for (const s of settled)
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'CENTER_MACHINE_ID_HELD' })
    const again = await ask(`holder-${granted[0]!.i}`)
    expect(again).toMatchObject({ machineId: granted[0]!.lease.machineId, returning: true })
  })

  it('a process that hung past the holder TTL and was replaced mints nothing when it wakes, and exits', {
    timeout: 90_000,
  }, async () => {
    // Short heartbeats and claims: the hung process is dropped after ~1 s and
    // its claim lapses 1.5 s later; a restart of its (node, kind, slot) then
    // takes the id over while the old process is still alive (stopped).
    const c = await center(1500)
    const a = minter(c.address, { node: 'node-w', serviceId: 301, slot: 4, everyMs: 20 })
    const first = minted(await a.outcome)
    await until(() => ticks(a.output()).some((t) => t.id !== undefined), 10_000, 'a mints on its timer')
    a.child.kill('SIGSTOP')
    await until(() => !c.registry.list().some((s) => s.serviceId === 301), 15_000, 'a dropped by heartbeat')
    const b = minter(c.address, { node: 'node-w', serviceId: 302, slot: 4 })
    let took: Awaited<Minter['outcome']> | undefined
    const deadline = Date.now() + 20_000
    // Until the claim lapses the restart is refused with CENTER_MACHINE_ID_HELD; try again.
    for (let m = b; Date.now() < deadline; ) {
      took = await m.outcome
      if (!('exit' in took)) break
      m = minter(c.address, { node: 'node-w', serviceId: 302, slot: 4 })
    }
    const second = minted(took!)
    expect(second.machineId).toBe(first.machineId)

    const wokeAt = Date.now()
    a.child.kill('SIGCONT')
    const exit = await Promise.race([
      new Promise<number | null>((r) => a.child.once('exit', (code) => r(code))),
      new Promise<string>((r) => setTimeout(() => r('still running after 20 s'), 20_000)),
    ])
    expect(exit).toBe(1)
    expect(a.output()).toContain('machine id superseded')
    // Not one id minted by the woken process with its old (now reassigned) machine id.
    const after = ticks(a.output()).filter((t) => t.atMs >= wokeAt)
    expect(after.filter((t) => t.id !== undefined)).toEqual([])
    expect(after.every((t) => t.error === 'ID_LEASE_UNCONFIRMED' || t.error === 'ID_CLOSED')).toBe(true)
  })
})
