import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { IpFilter, normalizeIp } from '@tessera/kernel'

/**
 * The client address of an HTTP request, for the per-address limits and the
 * logs. `X-Forwarded-For` is read only when the peer itself is a trusted
 * proxy (`login.http.trustedProxies`); then the chain is walked from the
 * right (the hop our proxy saw) and the first address that is not a trusted
 * proxy is the client. A client can prepend anything to the header, but not
 * change what our proxies appended, so spoofed entries to the left are
 * never reached. Without trusted proxies the header is ignored.
 */
export class ClientIpResolver {
  private readonly trusted: IpFilter | null

  constructor(trustedProxies: readonly string[]) {
    // An empty allow list would allow every address: no list, no trust.
    this.trusted = trustedProxies.length > 0 ? new IpFilter({ allow: trustedProxies }) : null
  }

  of(req: IncomingMessage): string {
    const peer = normalizeIp(req.socket.remoteAddress ?? '')
    const trusted = this.trusted
    if (trusted === null || !trusted.allows(peer)) return peer
    const header = req.headers['x-forwarded-for']
    if (header === undefined) return peer
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',')
    let client = peer
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hopAddress(hops[i]!)
      // A malformed hop: the last address we could trust is as far as we know.
      if (hop === null) return client
      client = hop
      if (!trusted.allows(hop)) return hop
    }
    return client
  }
}

/** One X-Forwarded-For entry as an address (`1.2.3.4`, `1.2.3.4:567`, `[2001:db8::1]:443`, `2001:db8::1`); null if it is none. */
function hopAddress(raw: string): string | null {
  let s = raw.trim()
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s)
  if (bracket) s = bracket[1]!
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'))
  const ip = normalizeIp(s)
  return isIP(ip) === 0 ? null : ip
}
