import { type NetAddress, parseAddress } from './address.js'
import { NetStackNotAllowed, NetUnknownStack } from './errors.js'
import type { NetLimits, SessionType } from './limits.js'

/** One configured listen (or connect) address and the session type it serves. */
export interface EndpointConfig {
  address: string
  type: SessionType
}

export interface Endpoint {
  address: NetAddress
  type: SessionType
}

/**
 * Check a list of endpoints at config load: the address parses, the stack
 * exists and the session type may use it (NET_STACK_NOT_ALLOWED otherwise).
 */
export function resolveEndpoints(
  configs: readonly EndpointConfig[],
  limits: Readonly<NetLimits>,
  knownStacks: { has(name: string): boolean },
): Endpoint[] {
  return configs.map((c) => resolveEndpoint(c, limits, knownStacks))
}

export function resolveEndpoint(
  c: EndpointConfig,
  limits: Readonly<NetLimits>,
  knownStacks: { has(name: string): boolean },
): Endpoint {
  const address = parseAddress(c.address)
  if (!knownStacks.has(address.stack)) throw new NetUnknownStack(address.stack)
  const allowed = limits[c.type]?.stacks
  if (allowed === undefined)
    throw new NetStackNotAllowed(String(c.type), address.stack, 'none: unknown session type')
  if (!allowed.includes(address.stack))
    throw new NetStackNotAllowed(c.type, address.stack, allowed.join(', '))
  return { address, type: c.type }
}
