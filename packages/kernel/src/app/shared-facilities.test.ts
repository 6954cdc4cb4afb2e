import { Writable } from 'node:stream'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { ComponentFactory } from '../component/index.js'
import { createLogger } from '../log/index.js'
import { ManualClock } from '../timer/index.js'
import { Application, appConfigSchema, type ServiceContext } from './index.js'

function capture(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l))
      cb()
    },
  })
  return { stream, lines }
}

describe('Application shared facilities', () => {
  it('gives services one clock, timer wheel, calendar and memory monitor, and stops them at close', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 4, 59, 0))
    const { stream, lines } = capture()
    const config = appConfigSchema.parse({
      calendar: { resetHour: 5, timeZone: 'UTC' },
      memory: { sampleIntervalMs: 1000 },
    })
    const days: number[] = []
    const ticks: number[] = []
    const feature: ComponentFactory<object, ServiceContext> = {
      typeId: 10_500,
      name: 'daily-reset',
      create: (host) => ({
        startup: () => {
          const { calendar, timers } = host.context
          calendar.on('day', (e) => void days.push(e.start))
          timers.every(250, () => void ticks.push(clock.now()))
        },
      }),
    }
    const app = new Application({
      name: 'test',
      config,
      services: () => [{ kind: 'game', id: 7, components: [feature] }],
      log: createLogger(config.log, {}, stream),
      exit: () => {},
      clock,
    })
    await app.start()
    expect(app.services[0]!.host.context.timers).toBe(app.timers)

    let samples = 0
    app.memory.register('probe', () => {
      samples++
      return { bytes: 1, count: 1 }
    })
    for (let i = 0; i < 120; i++) {
      clock.advance(1000)
      app.timers.advance()
    }
    expect(days).toEqual([Date.UTC(2026, 0, 1, 5, 0, 0)])
    expect(ticks.length).toBe(480)
    expect(samples).toBe(120)

    await app.stop()
    expect(app.timers.size).toBe(1) // the feature's own timer is still scheduled, but the driver is off
    const before = ticks.length
    await new Promise((r) => setTimeout(r, 30))
    expect(ticks.length).toBe(before)
    expect(lines.map((l) => l.msg)).toContain('test stopped')
  })
})

describe('Application ids', () => {
  async function runOnce(dataDir: string | undefined, clock: ManualClock): Promise<bigint[]> {
    const config = appConfigSchema.parse({ app: dataDir ? { machineId: 42, dataDir } : {} })
    const seen: bigint[] = []
    const app = new Application({
      name: 'ids',
      config,
      services: () => [
        {
          kind: 'game',
          id: 1,
          components: [
            {
              typeId: 10_501,
              name: 'minter',
              create: (host: { context: ServiceContext }) => ({
                startup: () => {
                  for (let i = 0; i < 1000; i++) seen.push(host.context.ids.next())
                },
              }),
            },
          ],
        },
      ],
      log: createLogger(config.log, {}, capture().stream),
      exit: () => {},
      clock,
    })
    try {
      await app.start()
    } finally {
      await app.stop()
    }
    return seen
  }

  it('mints snowflake ids with the configured machine id, never reissued after a restart', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(`${tmpdir()}/tessera-ids-`)
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const clock = new ManualClock(Date.UTC(2026, 5, 1))
    const first = await runOnce(dir, clock)
    clock.setWall(clock.now() - 1000) // restart on a clock that stepped back
    const second = await runOnce(dir, clock)
    expect(first).toHaveLength(1000)
    expect(Number((first[0]! >> 12n) & 1023n)).toBe(42)
    const maxFirst = first.at(-1)! // ids from one generator only increase
    expect(second.every((id) => id > maxFirst)).toBe(true)
  })

  it('a component asking for ids without a machine id fails start-up with a clear error', async () => {
    await expect(runOnce(undefined, new ManualClock())).rejects.toThrow(/APP_NO_MACHINE_ID|has no machine id/)
  })
})
