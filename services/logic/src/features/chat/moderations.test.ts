import { describe, expect, it } from 'vitest'
import { ChatBanned, ChatMuted } from './chat-errors.js'
import { Moderations } from './moderations.js'

describe('Moderations', () => {
  it('a mute refuses until its time, then lets the player send', () => {
    const m = new Moderations()
    m.apply({ userId: 1n, mutedUntilMs: 10_000n, reason: 'spam' })
    expect(() => m.check(1n, 9_999)).toThrow(ChatMuted)
    expect(() => m.check(1n, 10_000)).not.toThrow()
    expect(() => m.check(2n, 0)).not.toThrow()
  })

  it('a mute does not lift a ban, an unban does not lift a mute; both lifted forgets the player', () => {
    const m = new Moderations()
    m.apply({ userId: 1n, banned: true, reason: 'abuse' })
    m.apply({ userId: 1n, mutedUntilMs: 50_000n, reason: 'spam' })
    expect(m.banned(1n)).toBe(true)
    expect(() => m.check(1n, 0)).toThrow(ChatBanned)
    m.apply({ userId: 1n, banned: false, reason: '' })
    expect(() => m.check(1n, 0)).toThrow(ChatMuted)
    const lifted = m.apply({ userId: 1n, mutedUntilMs: 0n, reason: '' })
    expect(lifted).toEqual({ mutedUntilMs: 0, banned: false, reason: '' })
    expect(() => m.check(1n, 0)).not.toThrow()
  })
})
