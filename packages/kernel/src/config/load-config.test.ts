import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { loadConfig } from './index.js'

const schema = z
  .object({
    name: z.string().default('app'),
    net: z
      .object({
        session: z.strictObject({
          maxFrameBytes: z.number().int().positive().default(65536),
          idleMs: z.number().default(30000),
        }),
        listen: z.array(z.string()).default([]),
      })
      .strict(),
    debug: z.boolean().default(false),
  })
  .strict()

const made: string[] = []
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true })
})

function tmpFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'))
  made.push(dir)
  const f = join(dir, 'c.json')
  writeFileSync(f, content)
  return f
}

describe('loadConfig', () => {
  it('layers file < environment < arguments and freezes the result', () => {
    const file = tmpFile(
      JSON.stringify({ name: 'from-file', net: { session: { maxFrameBytes: 100, idleMs: 5 } } }),
    )
    const { value, sources } = loadConfig({
      schema,
      argv: ['--config', file, '--net.session.maxFrameBytes', '300'],
      env: { TESSERA_NET__SESSION__IDLE_MS: '7', TESSERA_DEBUG: 'true', OTHER: 'x' },
    })
    expect(value).toEqual({
      name: 'from-file',
      net: { session: { maxFrameBytes: 300, idleMs: 7 }, listen: [] },
      debug: true,
    })
    expect(sources).toEqual([`file ${file}`, 'environment', 'arguments'])
    expect(Object.isFrozen(value.net.session)).toBe(true)
  })

  it('lists every bad key in one clear error', () => {
    let err: unknown
    try {
      loadConfig({
        schema,
        argv: ['--net.session.maxFrameBytes', '-1', '--net.sesion.idleMs', '3', '--debug', 'maybe'],
        env: {},
      })
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' })
    const msg = (err as Error).message
    expect(msg).toContain('net.session.maxFrameBytes')
    expect(msg).toContain('net.sesion')
    expect(msg).toContain('debug')
  })

  it('names an unreadable or malformed file', () => {
    expect(() => loadConfig({ schema, argv: ['--config', '/nonexistent/x.json'], env: {} })).toThrow(
      /CONFIG|cannot read config file \/nonexistent\/x.json/,
    )
    const bad = tmpFile('{ nope')
    expect(() => loadConfig({ schema, argv: ['--config', bad], env: {} })).toThrow(
      `cannot read config file ${bad}`,
    )
  })

  it('reads JSON arrays from the environment', () => {
    const { value } = loadConfig({
      schema,
      argv: [],
      env: { TESSERA_NET__LISTEN: '["tcp://127.0.0.1:3900"]', TESSERA_NET__SESSION__MAX_FRAME_BYTES: '10' },
    })
    expect(value.net.listen).toEqual(['tcp://127.0.0.1:3900'])
    expect(value.net.session.maxFrameBytes).toBe(10)
  })
})
