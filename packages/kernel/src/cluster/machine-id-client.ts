import type { NetLogger } from '../net/index.js'
import { CENTER_CHANNEL_ID } from './center-client.js'
import type { ClusterSecrets } from './cluster-secrets.js'
import { ServiceProxy } from './service-proxy.js'
import { TcpClusterTransport } from './tcp-transport.js'
import type { ClusterWire, MachineIdLeaseOkMsg } from './wire.js'

export interface LeaseMachineIdOptions {
  /** `tcp://host:port` or `host:port`. */
  center: string
  /** The cluster secret(s): a ClusterSecrets holder sees reloads. */
  secret: string | readonly string[] | ClusterSecrets
  /** Encrypt the link (cluster.encryptLinks). Default false. */
  encryptLinks?: boolean
  wire: ClusterWire
  node: string
  kind: string
  /** The process's slot on its node: processes of one kind on one node each need their own. Default 0. */
  slot?: number
  /**
   * Token of this process instance (random, at most 64 characters): the
   * center lets one live holder have a (node, kind, slot) at a time and
   * refuses another with CENTER_MACHINE_ID_HELD. Empty (default): only
   * reserve the key's id and report it (the machine-id tool).
   */
  holder?: string
  timeoutMs?: number
  logger?: NetLogger
}

/**
 * Ask the center for the 10-bit machine id of (node, kind, slot) over a
 * short-lived authenticated link; the same key gets its own id back. Used
 * by Application start-up (with a holder token) and by the machine-id tool.
 */
export async function leaseMachineId(opts: LeaseMachineIdOptions): Promise<MachineIdLeaseOkMsg> {
  const transport = new TcpClusterTransport({
    identity: { kind: 'machine-id', serviceId: 0, node: opts.node },
    secret: opts.secret,
    encrypt: opts.encryptLinks ?? false,
    wire: opts.wire,
    logger: opts.logger,
    dialTimeoutMs: opts.timeoutMs ?? 5000,
  })
  const proxy = new ServiceProxy({ transport, logger: opts.logger, timeoutMs: opts.timeoutMs ?? 5000 })
  try {
    const address = opts.center.includes('://') ? opts.center : `tcp://${opts.center}`
    proxy.addFixedPeer(CENTER_CHANNEL_ID, 'center', address)
    return await proxy.request(
      CENTER_CHANNEL_ID,
      opts.wire.machineIdLease,
      { node: opts.node, kind: opts.kind, slot: opts.slot ?? 0, holder: opts.holder ?? '' },
      opts.wire.machineIdLeaseOk,
    )
  } finally {
    await proxy.close()
  }
}
