import { isIP } from 'node:net'
import { parseAddress } from '@tessera/kernel'
import { LoginPlaintextFront } from '../errors.js'

/** Stacks that carry the login API (and its hand-off token) without TLS. */
const PLAINTEXT_STACKS = new Set(['http', 'ws', 'tcp', 'auto'])

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/**
 * The `login.listen` addresses that would send the gateway hand-off token
 * (and passwords) in clear over a network: a plaintext stack bound to
 * anything but loopback. A loopback bind stays allowed: nothing leaves the
 * machine, and a TLS-terminating proxy on the same host is the usual front.
 */
export function plaintextFronts(listen: readonly string[]): string[] {
  return listen.filter((a) => {
    const addr = parseAddress(a)
    return PLAINTEXT_STACKS.has(addr.stack) && !isLoopbackHost(addr.host)
  })
}

/** Throws LOGIN_PLAINTEXT_FRONT when `listen` has such a front and `allowPlaintext` is off. */
export function checkFronts(c: { listen: readonly string[]; allowPlaintext: boolean }): void {
  const plain = c.allowPlaintext ? [] : plaintextFronts(c.listen)
  if (plain.length > 0) throw new LoginPlaintextFront(plain.join(', '))
}
