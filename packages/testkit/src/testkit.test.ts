import { EventEmitter } from 'node:events'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  freePort,
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
})
