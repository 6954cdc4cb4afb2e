import { EventEmitter } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  documentedErrorCodes,
  FUZZ_SEED,
  freePort,
  fuzzRun,
  isRunning,
  nextEvent,
  spawnProcess,
  stopProcess,
  tempDir,
  until,
  withTempDir,
} from './index.js'

describe('testkit', () => {
  it('freePort gives a port a listener can bind', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    const srv = createServer()
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject)
      srv.listen(port, '127.0.0.1', resolve)
    })
    await new Promise((r) => srv.close(r))
  })

  it('tempDir and withTempDir remove what the test wrote', async () => {
    const d = tempDir('testkit')
    writeFileSync(path.join(d.path, 'f'), 'x')
    d.remove()
    expect(existsSync(d.path)).toBe(false)
    let seen = ''
    await expect(
      withTempDir('testkit', (dir) => {
        seen = dir
        writeFileSync(path.join(dir, 'f'), 'x')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(existsSync(seen)).toBe(false)
  })

  it('stopProcess kills by pid, escalating to SIGKILL when SIGTERM is ignored', async () => {
    const p = spawnProcess(process.execPath, [
      '-e',
      "process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000)",
    ])
    expect(await p.waitForLine((l) => l === 'up')).toBe('up')
    await stopProcess(p, 'SIGTERM', 300)
    expect(await p.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(p.lines).toContain('ignored')
    expect(isRunning(p.pid)).toBe(false)
  })

  it('waitForLine rejects when the process ends first; exited has all output', async () => {
    const p = spawnProcess(process.execPath, ['-e', "console.log('a'); console.log('b')"])
    await expect(p.waitForLine((l) => l === 'never')).rejects.toThrow(/exited/)
    expect(await p.exited).toEqual({ code: 0, signal: null })
    expect(p.lines).toEqual(['a', 'b'])
  })

  it('until and nextEvent wait for an event and name what timed out', async () => {
    await expect(until(() => false, 30, 'the moon')).rejects.toThrow('timed out waiting for the moon')
    const e = new EventEmitter()
    setTimeout(() => e.emit('go', 1, 2), 1)
    expect(await nextEvent(e, 'go')).toEqual([1, 2])
    await expect(nextEvent(e, 'never', 20)).rejects.toThrow("timed out waiting for 'never'")
    setTimeout(() => e.emit('error', new Error('bad')), 1)
    await expect(nextEvent(e, 'go')).rejects.toThrow('bad')
    expect(e.listenerCount('go') + e.listenerCount('error')).toBe(0)
  })

  it('fuzzRun: the fixed seed and the CI count by default, FUZZ_RUNS and FUZZ_SEED for a long run', () => {
    expect(fuzzRun(200, 1, {})).toEqual({
      params: { seed: FUZZ_SEED, numRuns: 200 },
      timeoutMs: undefined,
      long: false,
    })
    const long = fuzzRun(200, 0.1, { FUZZ_RUNS: '100000', FUZZ_SEED: '42' })
    expect(long.params).toEqual({ seed: 42, numRuns: 10_000 })
    expect(long.long).toBe(true)
    expect(long.timeoutMs).toBeGreaterThan(3600_000)
    expect(() => fuzzRun(1, 1, { FUZZ_RUNS: 'many' })).toThrow(/FUZZ_RUNS/)
    expect(() => fuzzRun(1, 1, { FUZZ_SEED: 'x' })).toThrow(/FUZZ_SEED/)
  })

  it('documentedErrorCodes reads the codes of docs/errors.md', () => {
    const codes = documentedErrorCodes()
    expect(codes.has('CLUSTER_AUTH_FAILED')).toBe(true)
    expect(codes.has('LOGIN_BAD_FIELD')).toBe(true)
    expect(codes.has('BAD_REQUEST')).toBe(false)
  })
})
