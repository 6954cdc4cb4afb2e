import type { IncomingMessage } from 'node:http'

/**
 * Why a state-changing request must be refused as cross-site, or null when
 * it comes from the page itself: its Origin must be this server's own
 * origin (the scheme it is served on and the Host the browser used) or one
 * of `extra` (a reverse proxy's public origin). A request without Origin is
 * refused: browsers send it on every POST. Sec-Fetch-Site, when the browser
 * sends it, must say same-origin.
 */
export function crossSite(req: IncomingMessage, secure: boolean, extra: readonly string[]): string | null {
  const origin = req.headers.origin
  if (typeof origin !== 'string' || origin === '' || origin === 'null') return origin || '(none)'
  const own = `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`
  if (origin !== own && !extra.includes(origin)) return origin
  const site = req.headers['sec-fetch-site']
  if (typeof site === 'string' && site !== 'same-origin') return `${origin} (sec-fetch-site ${site})`
  return null
}

/** Headers of every page and API answer: no framing, no sniffing, nothing cached, scripts only from here. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}
