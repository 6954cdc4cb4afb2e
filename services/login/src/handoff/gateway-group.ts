import { createHash } from 'node:crypto'
import type { ServiceInfoMsg } from '@tessera/kernel'
import { clientAddresses } from './gateway-picker.js'

/**
 * The port group of a gateway process: its node and the client addresses it
 * advertised, as one short digest. The node:cluster workers of one gateway
 * (`gateway.workers`) share their client ports, each as its own service id,
 * and the kernel hands a new connection to any of them; they all advertise
 * the same addresses on the same node, so they form one group. A hand-off
 * token is bound to the group of the gateway it names, so the worker that
 * happens to take the connection may redeem it, while a gateway behind
 * other ports may not. '' when the gateway advertised no client address.
 */
export function gatewayGroup(s: ServiceInfoMsg): string {
  const a = clientAddresses(s)
  const all = [...a.tcp, ...a.ws].sort()
  if (all.length === 0) return ''
  return createHash('sha256')
    .update(`${s.node}\n${all.join('\n')}`)
    .digest('base64url')
}
