import { readFileSync } from 'node:fs'
import { DeployBadTopology } from '../errors.js'
import type { SecretRef, Topology } from './topology-schema.js'

/** Secret values the topology refers to. */
export interface Secrets {
  clusterSecret: string
  /** Also accepted during a rotation (secrets.clusterAccept), in order. */
  clusterAccept?: string[]
  dbPassword: string | undefined
  /** The center's admin token, when the topology names one. */
  adminToken?: string
}

function read(ref: SecretRef, env: NodeJS.ProcessEnv): string | string[] {
  if ('env' in ref) {
    const v = env[ref.env]
    return v ? v : [`environment variable ${ref.env} is not set`]
  }
  try {
    return readFileSync(ref.file, 'utf8').trim()
  } catch (err) {
    return [`cannot read ${ref.file}: ${(err as Error).message}`]
  }
}

/** Resolve every secret reference; DEPLOY_BAD_TOPOLOGY names each one missing. */
export function resolveSecrets(
  t: Topology,
  env: NodeJS.ProcessEnv = process.env,
  source = 'topology',
): Secrets {
  const errors: string[] = []
  const cluster = read(t.secrets.cluster, env)
  if (Array.isArray(cluster)) errors.push(`secrets.cluster: ${cluster[0]}`)
  else if (cluster.length < 16)
    errors.push('secrets.cluster: the cluster secret needs at least 16 characters')
  const accept = t.secrets.clusterAccept.map((ref, i) => {
    const v = read(ref, env)
    if (Array.isArray(v)) errors.push(`secrets.clusterAccept[${i}]: ${v[0]}`)
    else if (v.length < 16)
      errors.push(`secrets.clusterAccept[${i}]: a cluster secret needs at least 16 characters`)
    return v as string
  })
  const db = t.mariadb.password ? read(t.mariadb.password, env) : undefined
  if (Array.isArray(db)) errors.push(`mariadb.password: ${db[0]}`)
  const admin = t.secrets.admin ? read(t.secrets.admin, env) : undefined
  if (Array.isArray(admin)) errors.push(`secrets.admin: ${admin[0]}`)
  else if (admin !== undefined && admin.length < 16)
    errors.push('secrets.admin: the admin token needs at least 16 characters')
  if (errors.length)
    throw new DeployBadTopology(source, errors.length, errors.map((e) => `  ${e}`).join('\n'))
  const out: Secrets = { clusterSecret: cluster as string, dbPassword: db as string | undefined }
  if (admin !== undefined) out.adminToken = admin as string
  if (accept.length) out.clusterAccept = accept
  return out
}
