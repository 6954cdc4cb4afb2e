import { describe, expect, it } from 'vitest'
import { ChannelBook } from './channel-book.js'
import { ChatChannelExists, ChatChannelFull, ChatNoChannel, ChatNotMember } from './chat-errors.js'

const m = (logic: number) => ({ nickname: `n${logic}`, logic })
const bytes = (n: number) => Uint8Array.of(n)

describe('ChannelBook', () => {
  it('creates, joins up to the cap and refuses the next with CHAT_CHANNEL_FULL', () => {
    const b = new ChannelBook(5)
    b.join('g', 1n, m(1), { maxMembers: 3 })
    b.join('g', 2n, m(2), null)
    b.join('g', 3n, m(1), null)
    expect(() => b.join('g', 4n, m(2), null)).toThrow(ChatChannelFull)
    // A member joining again is not counted twice (and may move logic).
    b.join('g', 3n, m(2), null)
    expect(b.get('g')!.members.size).toBe(3)
    expect([...b.get('g')!.byLogic.get(2)!]).toEqual([2n, 3n])
    expect(b.get('g')!.byLogic.get(1)).toEqual(new Set([1n]))
  })

  it('refuses creating an existing channel and joining a missing one', () => {
    const b = new ChannelBook(5)
    b.join('g', 1n, m(1), { maxMembers: 3 })
    expect(() => b.join('g', 2n, m(1), { maxMembers: 3 })).toThrow(ChatChannelExists)
    expect(() => b.join('h', 2n, m(1), null)).toThrow(ChatNoChannel)
  })

  it('takes lines only from members, keeps the last N, groups members by logic', () => {
    const b = new ChannelBook(2)
    b.join('g', 1n, m(1), { maxMembers: 10 })
    b.join('g', 2n, m(2), null)
    expect(() => b.line('g', 9n, bytes(0))).toThrow(ChatNotMember)
    for (let i = 1; i <= 3; i++) b.line('g', 1n, bytes(i))
    expect(b.get('g')!.history).toEqual([bytes(2), bytes(3)])
    expect([...b.get('g')!.byLogic.keys()].sort()).toEqual([1, 2])
  })

  it('drops a channel with its last member, and members of a logic that left', () => {
    const b = new ChannelBook(2)
    b.join('g', 1n, m(1), { maxMembers: 10 })
    b.join('g', 2n, m(2), null)
    b.join('h', 3n, m(2), { maxMembers: 10 })
    expect(() => b.leave('g', 9n)).toThrow(ChatNotMember)
    expect(b.dropLogic(2)).toBe(2)
    expect(b.get('h')).toBeUndefined()
    expect(b.leave('g', 1n)).toBe(0)
    expect(b.get('g')).toBeUndefined()
    expect(b.size).toBe(0)
  })

  it('keeps world history with the same bound, and none when N = 0', () => {
    const b = new ChannelBook(2)
    for (let i = 0; i < 5; i++) b.worldLine(bytes(i))
    expect(b.worldHistory).toEqual([bytes(3), bytes(4)])
    const none = new ChannelBook(0)
    none.worldLine(bytes(1))
    expect(none.worldHistory).toEqual([])
  })
})
