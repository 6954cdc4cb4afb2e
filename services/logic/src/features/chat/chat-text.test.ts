import { describe, expect, it } from 'vitest'
import { ChatBadChannelName, ChatEmpty, ChatTooLong } from './chat-errors.js'
import { channelName, normaliseText } from './chat-text.js'

describe('normaliseText', () => {
  it('composes to NFC', () => {
    const decomposed = 'Cafe\u0301' // e + combining acute
    const out = normaliseText(decomposed, 10)
    expect(out).toBe('Caf\u00e9')
    expect(out.length).toBe(4)
  })

  it('removes control and bidi-override characters, keeps emoji joiners', () => {
    expect(normaliseText('a\u0000b\u0007c\nd\te\u007f\u0085f', 50)).toBe('abcdef')
    expect(normaliseText('evil\u202Egnp.exe', 50)).toBe('evilgnp.exe')
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'
    expect(normaliseText(family, 50)).toBe(family)
  })

  it('trims, and refuses a line that is empty afterwards with CHAT_EMPTY', () => {
    expect(normaliseText('  hi  ', 10)).toBe('hi')
    expect(() => normaliseText('\u0000\u0001  \n', 10)).toThrow(ChatEmpty)
    expect(() => normaliseText('', 10)).toThrow(ChatEmpty)
  })

  it('counts characters (code points), after normalising, against the cap: CHAT_TOO_LONG', () => {
    expect(normaliseText('x'.repeat(10), 10)).toHaveLength(10)
    expect(() => normaliseText('x'.repeat(11), 10)).toThrow(ChatTooLong)
    // 10 emoji are 20 UTF-16 units but 10 characters.
    expect(normaliseText('\u{1F600}'.repeat(10), 10)).toHaveLength(20)
    // Combining sequences that compose count once: 10 × (e + U+0301) = 10 characters after NFC.
    expect(normaliseText('e\u0301'.repeat(10), 10)).toHaveLength(10)
    // Removed characters do not count.
    expect(normaliseText(`${'x'.repeat(10)}\u0000\u0000`, 10)).toHaveLength(10)
    // A huge line is refused before normalising.
    expect(() => normaliseText('y'.repeat(100_000), 10)).toThrow(/100000 characters > max 10/)
  })

  it('refusals carry their code', () => {
    try {
      normaliseText('x'.repeat(5), 4)
      expect.unreachable()
    } catch (err) {
      expect(ChatTooLong.is(err)).toBe(true)
      expect((err as { code: string }).code).toBe('CHAT_TOO_LONG')
    }
  })
})

describe('channelName', () => {
  it('accepts letters, digits, _ and - (any script), NFC', () => {
    expect(channelName('guild_42')).toBe('guild_42')
    expect(channelName('公会-一')).toBe('公会-一')
    expect(channelName('Cafe\u0301')).toBe('Caf\u00e9')
  })

  it('refuses empty, too long, spaces, controls and punctuation', () => {
    for (const bad of ['', '   ', 'a'.repeat(25), 'a b', 'a\u0000', 'a/b', 'a.b'])
      expect(() => channelName(bad), bad).toThrow(ChatBadChannelName)
  })
})
