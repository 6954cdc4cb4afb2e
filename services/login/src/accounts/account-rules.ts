import type { LoginSection } from '../config.js'
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
import type { PasswordBlocklist } from './password-blocklist.js'

export type AccountRulesConfig = Pick<LoginSection, 'account' | 'nickname' | 'password'>

const ACCOUNT_CHARS = /^[a-z0-9_.-]+$/
// Control (Cc), format (Cf: bidi overrides, zero-width joiners), unassigned
// (Cn), private use (Co) and the line/paragraph separators: invisible or
// spoofing characters have no place in a name other players read.
const NICKNAME_BAD = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Zl}\p{Zp}]/u
const PASSWORD_BAD = /[\p{Cc}]/u
// In a `u` regex a proper surrogate pair is one code point: what matches is a lone half.
const LONE_SURROGATE = /\p{Cs}/u

const codePoints = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

/**
 * The rules for account names, nicknames and passwords, with their limits
 * from config. Each refusal throws its own LOGIN_ error; what passes comes
 * back normalised, ready to store or hash.
 */
export class AccountRules {
  constructor(
    private readonly cfg: AccountRulesConfig,
    private readonly blocklist: PasswordBlocklist,
  ) {}

  /** Account names are case-insensitive: stored and compared in lower case. */
  account(input: string): string {
    const name = input.toLowerCase()
    const { minLength, maxLength } = this.cfg.account
    // Length first on the raw text, so a huge input costs nothing more.
    if (name.length > maxLength) throw new LoginAccountTooLong(maxLength)
    if (name.length < minLength) throw new LoginAccountTooShort(minLength)
    if (!ACCOUNT_CHARS.test(name)) throw new LoginAccountBadChars()
    return name
  }

  /** NFC-normalised and trimmed; length in code points. */
  nickname(input: string): string {
    const { minLength, maxLength } = this.cfg.nickname
    // Bound the work before normalising: NFC never makes a string more than 3x longer.
    if (input.length > maxLength * 2 * 4) throw new LoginNicknameTooLong(maxLength)
    if (LONE_SURROGATE.test(input)) throw new LoginNicknameBadChars()
    const nick = input.normalize('NFC').trim()
    const n = codePoints(nick)
    if (n > maxLength) throw new LoginNicknameTooLong(maxLength)
    if (n < minLength) throw new LoginNicknameTooShort(minLength)
    if (NICKNAME_BAD.test(nick)) throw new LoginNicknameBadChars()
    return nick
  }

  /**
   * NIST SP 800-63B rev 4: length limits only (no composition rules), every
   * printable character and space allowed, NFKC-normalised so the same
   * password typed on another keyboard matches, checked against a blocklist
   * of common passwords and context words. Returns what is hashed.
   */
  password(input: string, account: string | null): string {
    const { minLength, maxLength, contextWords } = this.cfg.password
    if (input.length > maxLength * 2 * 18) throw new LoginPasswordTooLong(maxLength)
    if (LONE_SURROGATE.test(input) || PASSWORD_BAD.test(input)) throw new LoginPasswordBadChars()
    const pw = input.normalize('NFKC')
    const n = codePoints(pw)
    if (n > maxLength) throw new LoginPasswordTooLong(maxLength)
    if (n < minLength) throw new LoginPasswordTooShort(minLength)
    const lower = pw.toLowerCase()
    if (this.blocklist.has(lower)) throw new LoginPasswordCommon()
    if (account !== null && account.length >= 3 && lower.includes(account)) throw new LoginPasswordContext()
    for (const w of contextWords) if (lower.includes(w.toLowerCase())) throw new LoginPasswordContext()
    return pw
  }

  /**
   * A password as typed at login: normalised the same way, but only the
   * length bound is checked (a password set under older rules must still
   * work). Over-long input is refused before any hashing.
   */
  loginPassword(input: string): string {
    const { maxLength } = this.cfg.password
    if (input.length > maxLength * 2 * 18) throw new LoginPasswordTooLong(maxLength)
    const pw = LONE_SURROGATE.test(input) ? input : input.normalize('NFKC')
    if (codePoints(pw) > maxLength) throw new LoginPasswordTooLong(maxLength)
    return pw
  }
}
