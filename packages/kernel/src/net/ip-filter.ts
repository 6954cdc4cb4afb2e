import { BlockList, isIP } from 'node:net'
import { normalizeIp } from './address.js'
import { NetBadIpRule } from './errors.js'

/** Addresses or CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`, `1.2.3.4`). An empty allow list allows all. */
export interface IpRules {
  allow?: readonly string[]
  deny?: readonly string[]
}

interface Snapshot {
  readonly rules: Readonly<IpRules>
  readonly allow: BlockList | null
  readonly deny: BlockList | null
}

/**
 * Allow/deny lists checked on every accept. {@link replace} builds a whole
 * new immutable snapshot and swaps one reference, so a check never sees a
 * half-applied update and needs no lock.
 */
export class IpFilter {
  private snap: Snapshot

  constructor(rules: IpRules = {}) {
    this.snap = build(rules)
  }

  /** Validate and swap in new rules; a bad entry throws and leaves the old snapshot in place. */
  replace(rules: IpRules): void {
    this.snap = build(rules)
  }

  get rules(): Readonly<IpRules> {
    return this.snap.rules
  }

  allows(rawIp: string): boolean {
    const s = this.snap
    if (s.allow === null && s.deny === null) return true
    const ip = normalizeIp(rawIp)
    const family = isIP(ip)
    if (family === 0) return false
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (s.deny?.check(ip, type)) return false
    return s.allow === null || s.allow.check(ip, type)
  }
}

function build(rules: IpRules): Snapshot {
  const allow = toList(rules.allow)
  const deny = toList(rules.deny)
  return Object.freeze({
    rules: Object.freeze({
      allow: Object.freeze([...(rules.allow ?? [])]),
      deny: Object.freeze([...(rules.deny ?? [])]),
    }),
    allow,
    deny,
  })
}

function toList(entries: readonly string[] | undefined): BlockList | null {
  if (!entries || entries.length === 0) return null
  const list = new BlockList()
  for (const e of entries) {
    const [addr = '', prefixText, extra] = e.trim().split('/')
    const ip = normalizeIp(addr)
    const family = isIP(ip)
    if (family === 0 || extra !== undefined) throw new NetBadIpRule(e)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefixText === undefined) {
      list.addAddress(ip, type)
      continue
    }
    const prefix = Number(prefixText)
    if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw new NetBadIpRule(e)
    list.addSubnet(ip, prefix, type)
  }
  return list
}
