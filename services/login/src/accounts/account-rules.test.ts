import { describe, expect, it } from 'vitest'
import { loginSectionSchema } from '../config.js'
import {
  LoginAccountBadChars,
  LoginAccountTooLong,
  LoginAccountTooShort,
  LoginNicknameBadChars,
  LoginNicknameTooLong,
  LoginNicknameTooShort,
  LoginPasswordBadChars,
  LoginPasswordCommon,
  LoginPasswordContext,
  LoginPasswordTooLong,
  LoginPasswordTooShort,
} from '../errors.js'
import { AccountRules } from './account-rules.js'
import { PasswordBlocklist, SHIPPED_BLOCKLIST } from './password-blocklist.js'

const blocklist = PasswordBlocklist.load([SHIPPED_BLOCKLIST])
const rules = (over: Record<string, unknown> = {}) =>
  new AccountRules(loginSectionSchema.parse(over), blocklist)
const r = rules()
const code = (fn: () => unknown) => {
  try {
    fn()
    return 'OK'
  } catch (e) {
    return (e as { code: string }).code
  }
}

describe('account names', () => {
  it('are 3-32 of [a-z0-9_.-], case-insensitive (stored lower case)', () => {
    expect(r.account('Alice.B_2-x')).toBe('alice.b_2-x')
    expect(r.account('abc')).toBe('abc')
    expect(r.account('a'.repeat(32))).toBe('a'.repeat(32))
  })
  it('refuses each broken rule with its own code', () => {
    expect(code(() => r.account('ab'))).toBe(LoginAccountTooShort.code)
    expect(code(() => r.account('a'.repeat(33)))).toBe(LoginAccountTooLong.code)
    for (const bad of ['al ice', 'alice!', 'ålice', 'al\u0000ce', 'alice\u200b', 'ＡＢＣ'])
      expect(
        code(() => r.account(bad)),
        bad,
      ).toBe(LoginAccountBadChars.code)
  })
  it('takes its limits from config', () => {
    const strict = rules({ account: { minLength: 5, maxLength: 6 } })
    expect(code(() => strict.account('abcd'))).toBe('LOGIN_ACCOUNT_TOO_SHORT')
    expect(code(() => strict.account('abcdefg'))).toBe('LOGIN_ACCOUNT_TOO_LONG')
    expect(strict.account('abcde')).toBe('abcde')
  })
})

describe('nicknames', () => {
  it('are NFC-normalised, trimmed, 1-24 code points, any script', () => {
    expect(r.nickname('  Zoë  ')).toBe('Zoë')
    // e + combining diaeresis becomes one code point.
    expect(r.nickname('Zoe\u0308')).toBe('Zo\u00eb')
    // 24 astral code points (48 UTF-16 units) fit.
    expect(r.nickname('😀'.repeat(24))).toBe('😀'.repeat(24))
    expect(r.nickname('龍之介')).toBe('龍之介')
  })
  it('refuses each broken rule with its own code', () => {
    expect(code(() => r.nickname('   '))).toBe(LoginNicknameTooShort.code)
    expect(code(() => r.nickname('😀'.repeat(25)))).toBe(LoginNicknameTooLong.code)
    expect(code(() => r.nickname('x'.repeat(10_000)))).toBe(LoginNicknameTooLong.code)
    // control, bidi override (format), zero-width joiner, unassigned, private use, lone surrogate
    for (const bad of ['a\u0007b', 'a\u202eb', 'a\u200db', 'a\u0378b', 'a\ue000b', 'a\ud800b', 'a\u2028b'])
      expect(
        code(() => r.nickname(bad)),
        JSON.stringify(bad),
      ).toBe(LoginNicknameBadChars.code)
  })
  it('takes its limits from config', () => {
    const n = rules({ nickname: { minLength: 3, maxLength: 4 } })
    expect(code(() => n.nickname('ab'))).toBe('LOGIN_NICKNAME_TOO_SHORT')
    expect(code(() => n.nickname('abcde'))).toBe('LOGIN_NICKNAME_TOO_LONG')
  })
})

describe('passwords (NIST SP 800-63B rev 4)', () => {
  it('need no composition: long plain phrases, spaces and any script pass', () => {
    expect(r.password('correct horse battery', 'alice')).toBe('correct horse battery')
    expect(r.password('パスワードは長い', 'alice')).toBe('パスワードは長い')
    expect(r.password('x'.repeat(128), 'alice')).toBe('x'.repeat(128))
  })
  it('are NFKC-normalised (the same password from another keyboard matches)', () => {
    expect(r.password('ｆｕｌｌｗｉｄｔｈ ｐａｓｓ', 'alice')).toBe('fullwidth pass')
  })
  it('refuses each broken rule with its own code', () => {
    expect(code(() => r.password('short', 'alice'))).toBe(LoginPasswordTooShort.code)
    expect(code(() => r.password('x'.repeat(129), 'alice'))).toBe(LoginPasswordTooLong.code)
    expect(code(() => r.password('x'.repeat(1_000_000), 'alice'))).toBe(LoginPasswordTooLong.code)
    expect(code(() => r.password('abc\u0000defghij', 'alice'))).toBe(LoginPasswordBadChars.code)
    expect(code(() => r.password('abcdefgh\ud800', 'alice'))).toBe(LoginPasswordBadChars.code)
    for (const common of ['password', 'Password', 'PASSWORD', 'baseball', '1qaz2wsx', 'trustno1'])
      expect(
        code(() => r.password(common, 'alice')),
        common,
      ).toBe(LoginPasswordCommon.code)
    expect(code(() => r.password('my alice secret', 'alice'))).toBe(LoginPasswordContext.code)
    expect(code(() => r.password('i love tessera!', 'bob'))).toBe(LoginPasswordContext.code)
  })
  it('at login checks only the length bound, so passwords set under older rules still work', () => {
    expect(r.loginPassword('short')).toBe('short')
    expect(code(() => r.loginPassword('x'.repeat(129)))).toBe('LOGIN_PASSWORD_TOO_LONG')
  })
  it('takes its limits and the extra blocklist from config', () => {
    const p = rules({ password: { minLength: 12, maxLength: 16, contextWords: ['dragonquest'] } })
    expect(code(() => p.password('elevenchars', 'bob'))).toBe('LOGIN_PASSWORD_TOO_SHORT')
    expect(code(() => p.password('seventeen chars!!', 'bob'))).toBe('LOGIN_PASSWORD_TOO_LONG')
    expect(code(() => p.password('my dragonquest', 'bob'))).toBe('LOGIN_PASSWORD_CONTEXT')
  })
})
