import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import type { z } from 'zod'
import { DeployBadTopology } from '../errors.js'
import { planProcesses, tlsOf } from './plan.js'
import { LOGIC_MACHINE_IDS, SERVICE_KINDS, type ServiceKind } from './service-kinds.js'
import { type Topology, type TopologyService, topologySchema } from './topology-schema.js'

const where = (p: PropertyKey[]) =>
  p.map((x, i) => (typeof x === 'number' ? `[${x}]` : `${i ? '.' : ''}${String(x)}`)).join('') || '(top)'

function schemaErrors(e: z.ZodError): string[] {
  return e.issues.map((i) => `${where(i.path)}: ${i.message}`)
}

const isLoopback = (address: string) =>
  address === '::1' || (isIP(address) === 4 && address.startsWith('127.'))

/** A service entry's client ports: at least one, certificates for the TLS ones, `plaintext` where it is needed. */
function clientPortErrors(t: Topology, s: TopologyService, i: number, kind: ServiceKind): string[] {
  const at = `services[${i}]`
  const c = kind.clientPorts
  if (!c) {
    const errors: string[] = []
    if (s.tls) errors.push(`${at}.tls: a ${s.kind} has no TLS client port`)
    if (s.plaintext !== undefined) errors.push(`${at}.plaintext: a ${s.kind} has no plaintext client port`)
    return errors
  }
  const errors: string[] = []
  const has = (p: string) => s.ports[p] !== undefined
  const plain = c.plain.filter(has)
  const tls = c.tls.filter(has)
  if (plain.length + tls.length === 0)
    errors.push(`${at}.ports: a ${s.kind} needs a client port (${[...c.plain, ...c.tls].join(', ')})`)
  if (tls.length > 0 && !tlsOf(t, s))
    errors.push(
      `${at}.tls: the ${tls.join(' and ')} port${tls.length > 1 ? 's need' : ' needs'} certificates: tls on this service, on node ${s.node}, or at the top of the topology`,
    )
  if (s.tls && tls.length === 0)
    errors.push(`${at}.tls: no TLS port (${c.tls.join(', ')}) on this ${s.kind} to use the certificates`)
  if (!c.plaintextNeedsFlag) {
    if (s.plaintext !== undefined) errors.push(`${at}.plaintext: only a login has a plaintext switch`)
    return errors
  }
  const address = t.nodes.find((n) => n.name === s.node)?.address
  // On a loopback address nothing leaves the machine (login allows that too).
  if (plain.length > 0 && s.plaintext !== true && !(address && isLoopback(address)))
    for (const p of plain)
      errors.push(
        `${at}.ports.${p}: a plaintext ${s.kind} front on ${address ?? 'a network address'} sends hand-off tokens and passwords in clear: give an https port with tls certificates, or set "plaintext": true to allow it`,
      )
  if (s.plaintext === true && plain.length === 0)
    errors.push(`${at}.plaintext: no ${c.plain.join(' or ')} port to open in clear`)
  return errors
}

/** Checks the schema cannot express: references, uniqueness, port clashes. */
export function topologyErrors(t: Topology): string[] {
  const errors: string[] = []
  const nodes = new Set<string>()
  const addresses = new Set<string>()
  t.nodes.forEach((n, i) => {
    if (nodes.has(n.name)) errors.push(`nodes[${i}].name: node ${n.name} is defined twice`)
    if (addresses.has(n.address)) errors.push(`nodes[${i}].address: ${n.address} is used by two nodes`)
    nodes.add(n.name)
    addresses.add(n.address)
  })
  if (!nodes.has(t.mariadb.node)) errors.push(`mariadb.node: no node named ${t.mariadb.node}`)
  try {
    new Intl.DateTimeFormat('en', { timeZone: t.reset.timeZone })
  } catch {
    errors.push(`reset.timeZone: ${t.reset.timeZone} is not an IANA time zone`)
  }
  t.services.forEach((s, i) => {
    const kind = SERVICE_KINDS[s.kind]
    if (!kind)
      errors.push(
        `services[${i}].kind: unknown kind ${s.kind} (known: ${Object.keys(SERVICE_KINDS).join(', ')})`,
      )
    if (!nodes.has(s.node)) errors.push(`services[${i}].node: no node named ${s.node}`)
    for (const p of kind?.ports ?? [])
      if (s.ports[p] === undefined) errors.push(`services[${i}].ports.${p}: a ${s.kind} needs a ${p} port`)
    const known = kind
      ? [...kind.ports, ...(kind.clientPorts?.plain ?? []), ...(kind.clientPorts?.tls ?? [])]
      : []
    for (const p of Object.keys(s.ports))
      if (kind && !known.includes(p)) errors.push(`services[${i}].ports.${p}: a ${s.kind} has no ${p} port`)
    if (kind) errors.push(...clientPortErrors(t, s, i, kind))
  })
  const centers = t.services.filter((s) => s.kind === 'center')
  if (centers.length !== 1 || centers[0]!.count !== 1)
    errors.push('services: exactly one center process is required')
  if (errors.length) return errors

  const ports = new Map<string, string>()
  const ids = new Map<string, string>()
  const plan = planProcesses(t)
  if (plan.filter((p) => p.kind !== 'logic' && p.kind !== 'center').length > 1024 - LOGIC_MACHINE_IDS)
    errors.push(`services: at most ${1024 - LOGIC_MACHINE_IDS} login and gateway processes (machine ids)`)
  for (const p of plan) {
    const id = `${p.kind}#${p.serviceId}`
    // Logic's service id is its machine id and names its database; the other kinds take ids from the top.
    if (p.kind === 'logic' && p.serviceId >= LOGIC_MACHINE_IDS)
      errors.push(
        `services: ${id}: a logic service id is its machine id and must be below ${LOGIC_MACHINE_IDS}`,
      )
    // Service ids are cluster-wide: the center refuses a second holder, whatever its kind.
    const key = p.kind === 'center' ? 'center' : String(p.serviceId)
    const holder = ids.get(key)
    if (holder === id) errors.push(`services: ${id} is given to two processes (set firstId apart)`)
    else if (holder)
      errors.push(
        `services: service id ${p.serviceId} is used by both ${holder} and ${id} (ids are cluster-wide; set firstId apart)`,
      )
    ids.set(key, id)
    for (const [name, port] of Object.entries(p.ports)) {
      if (port > 65535) errors.push(`services: ${id} ${name} port ${port} is past 65535`)
      const key = `${p.node}:${port}`
      const other = ports.get(key)
      if (other)
        errors.push(`services: port ${port} on node ${p.node} is used by both ${other} and ${id} ${name}`)
      ports.set(key, `${id} ${name}`)
    }
  }
  return errors
}

/** Validate a parsed topology; DEPLOY_BAD_TOPOLOGY lists every error found. */
export function parseTopology(input: unknown, source = 'topology'): Topology {
  const r = topologySchema.safeParse(input)
  const errors = r.success ? topologyErrors(r.data) : schemaErrors(r.error)
  if (errors.length)
    throw new DeployBadTopology(source, errors.length, errors.map((e) => `  ${e}`).join('\n'))
  return r.data!
}

/** Read and validate a topology file (JSON). */
export function loadTopology(file: string): Topology {
  let input: unknown
  try {
    input = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new DeployBadTopology(file, 1, `  (top): ${(err as Error).message}`)
  }
  return parseTopology(input, file)
}
