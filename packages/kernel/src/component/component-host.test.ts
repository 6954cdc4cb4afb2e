import { describe, expect, it } from 'vitest'
import type { Component, ComponentFactory } from './index.js'
import { ComponentHost } from './index.js'

type Log = string[]

function factory(
  log: Log,
  typeId: number,
  name: string,
  opts: { dependsOn?: number[]; sortId?: number; failIn?: string } = {},
): ComponentFactory {
  return {
    typeId,
    name,
    dependsOn: opts.dependsOn,
    sortId: opts.sortId,
    create: () => {
      const c: Component = {}
      for (const phase of ['init', 'willStartup', 'startup', 'ready', 'willClose', 'close'] as const) {
        c[phase] = async () => {
          log.push(`${name}.${phase}`)
          if (opts.failIn === phase) throw new Error(`${name} broke`)
        }
      }
      return c
    },
  }
}

describe('ComponentHost', () => {
  it('orders by dependencies first, then sort id, then registration order', () => {
    const log: Log = []
    const host = new ComponentHost()
    host.registerAll([
      factory(log, 1, 'a', { dependsOn: [3], sortId: 0 }),
      factory(log, 2, 'b', { sortId: 5 }),
      factory(log, 3, 'c', { sortId: 9 }),
      factory(log, 4, 'd', { sortId: 5 }),
    ])
    expect(host.startOrder()).toEqual(['b', 'd', 'c', 'a'])
  })

  it('runs every phase across all components before the next, and closes in reverse', async () => {
    const log: Log = []
    const phases: string[] = []
    const host = new ComponentHost({ onPhase: (e) => phases.push(`${e.component}:${e.phase}`) })
    host.registerAll([factory(log, 1, 'a'), factory(log, 2, 'b', { dependsOn: [1] })])
    await host.start()
    expect(host.state).toBe('running')
    expect(log).toEqual([
      'a.init',
      'b.init',
      'a.willStartup',
      'b.willStartup',
      'a.startup',
      'b.startup',
      'a.ready',
      'b.ready',
    ])
    log.length = 0
    const p1 = host.stop()
    const p2 = host.stop()
    expect(p1).toBe(p2)
    await p1
    expect(log).toEqual(['b.willClose', 'a.willClose', 'b.close', 'a.close'])
    expect(host.state).toBe('closed')
    expect(phases).toContain('a:init')
  })

  it('names the component and phase that failed and closes what started, in reverse', async () => {
    const log: Log = []
    const host = new ComponentHost()
    host.registerAll([
      factory(log, 1, 'storage'),
      factory(log, 2, 'net', { dependsOn: [1] }),
      factory(log, 3, 'game', { dependsOn: [2], failIn: 'startup' }),
    ])
    const err = await host.start().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toMatchObject({
      code: 'COMPONENT_PHASE_FAILED',
      details: { component: 'game', phase: 'startup' },
    })
    expect((err as Error).message).toBe('component game failed in phase startup: game broke')
    expect(host.state).toBe('failed')
    const closes = log.filter((l) => l.endsWith('Close') || l.endsWith('.close'))
    expect(closes).toEqual([
      'game.willClose',
      'net.willClose',
      'storage.willClose',
      'game.close',
      'net.close',
      'storage.close',
    ])
  })

  it('does not close a component that never got past init', async () => {
    const log: Log = []
    const host = new ComponentHost()
    host.registerAll([factory(log, 1, 'a'), factory(log, 2, 'b', { failIn: 'init' }), factory(log, 3, 'c')])
    await expect(host.start()).rejects.toMatchObject({ details: { component: 'b', phase: 'init' } })
    expect(log).toEqual(['a.init', 'b.init', 'a.willClose', 'a.close'])
  })

  it('refuses a duplicate type id, a missing dependency and a cycle at registration', () => {
    const log: Log = []
    expect(() => new ComponentHost().register(factory(log, 1, 'a')).register(factory(log, 1, 'b'))).toThrow(
      'component b: type id 1 is already registered by a',
    )
    expect(() => new ComponentHost().registerAll([factory(log, 1, 'a', { dependsOn: [7] })])).toThrow(
      'component a depends on type id 7, which is not registered',
    )
    expect(() =>
      new ComponentHost().registerAll([
        factory(log, 1, 'a', { dependsOn: [3] }),
        factory(log, 2, 'b', { dependsOn: [1] }),
        factory(log, 3, 'c', { dependsOn: [2] }),
        factory(log, 4, 'd'),
      ]),
    ).toThrow(/COMPONENT_CYCLE|cycle: a → c → b → a/)
    expect(log).toEqual([])
  })

  it('lets components find each other by type id once created', async () => {
    const host = new ComponentHost()
    class Store {
      value = 42
    }
    let seen = 0
    host.registerAll([
      { typeId: 10, name: 'store', create: () => new Store() },
      {
        typeId: 11,
        name: 'user',
        dependsOn: [10],
        create: (h) => ({
          init: () => {
            seen = h.get<Store>(10).value
          },
        }),
      },
    ])
    await host.start()
    expect(seen).toBe(42)
    expect(() => host.get(99)).toThrow('no component with type id 99')
    expect(() => host.register({ typeId: 12, name: 'late', create: () => ({}) })).toThrow(/cannot register/)
    await host.stop()
  })

  it('can start in two steps so the center decides when to go on', async () => {
    const log: Log = []
    const host = new ComponentHost()
    host.registerAll([factory(log, 1, 'a')])
    await host.prepare()
    expect(log).toEqual(['a.init'])
    await host.startPhases()
    expect(log).toEqual(['a.init', 'a.willStartup', 'a.startup', 'a.ready'])
    expect(host.state).toBe('running')
    await host.stop()
  })
})
