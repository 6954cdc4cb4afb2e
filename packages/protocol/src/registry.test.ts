import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as client from './client.js'
import { createRegistry, KickReason, MsgId, messageTypes, SCHEMA_HASH, WireError } from './index.js'

describe('generated registry', () => {
  it('maps every MsgId to its message type', () => {
    const registry = createRegistry()
    for (const [name, id] of Object.entries(MsgId))
      expect(registry.get(id)?.name.endsWith(`.${name}`)).toBe(true)
    expect(registry.errorReply.name).toBe('tessera.ErrorReply')
    expect(registry.list().map((t) => t.msgId)).toEqual(messageTypes.map((t) => t.msgId))
  })

  it('carries the proto options', () => {
    const registry = createRegistry()
    expect(registry.get(MsgId.Handshake)).toMatchObject({
      noLogReq: true,
      noLogRes: false,
      serverOnly: false,
    })
    expect(registry.get(MsgId.ProfileChanged)?.serverOnly).toBe(true)
  })

  it('client variant leaves server-only messages out but shares the schema hash', () => {
    expect(client.SCHEMA_HASH).toBe(SCHEMA_HASH)
    expect(SCHEMA_HASH).toMatch(/^[0-9a-f]{64}$/)
    expect('ProfileChanged' in client.MsgId).toBe(false)
    expect(client.createRegistry().get(MsgId.ProfileChanged)).toBeUndefined()
    expect(client.messageTypes.every((t) => !t.serverOnly)).toBe(true)
    expect(client.createRegistry().get(MsgId.Echo)?.name).toBe('game.Echo')
  })

  it('every wire error and kick reason is documented in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8')
    for (const name of [...Object.keys(WireError), ...Object.keys(KickReason)].filter(
      (n) => !n.endsWith('UNSPECIFIED'),
    ))
      expect(doc, name).toContain(`\`${name}\``)
  })
})
