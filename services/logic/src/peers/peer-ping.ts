import {
  BaseComponent,
  type ComponentFactory,
  type Counter,
  type ServiceContext,
  type TimerHandle,
} from '@tessera/kernel'
import { Echo } from '@tessera/protocol'
import type { LogicConfig } from '../config.js'

/**
 * Answers Echo requests from other services and, in a cluster, pings every
 * other logic service on an interval: the smallest end-to-end proof that
 * registration, membership and ServiceProxy messaging work (it is what the
 * local cluster started by scripts/run.sh shows).
 */
export class PeerPing extends BaseComponent<ServiceContext<LogicConfig>> {
  private timer: TimerHandle | undefined
  private seq = 0
  private pings: Counter<'result'> | undefined

  startup(): void {
    const ctx = this.host.context
    if (!ctx.config.cluster.center) {
      ctx.logger.info('peer-ping: single node, nothing to ping')
      return
    }
    const proxy = ctx.proxy
    proxy.handle(Echo, Echo, (m) =>
      Echo.create({ text: `logic#${ctx.serviceId} got: ${m.text}`, seq: m.seq }),
    )
    this.pings = ctx.metrics.counter({
      name: 'logic_peer_pings_total',
      help: 'Echo requests to other logic services, by result',
      labelNames: ['result'],
    })
    if (ctx.config.logic.peerPingMs > 0) {
      this.timer = ctx.timers.every(ctx.config.logic.peerPingMs, () => void this.pingAll())
    }
  }

  private async pingAll(): Promise<void> {
    const ctx = this.host.context
    const peers = ctx.proxy.membership.ofKind('logic').filter((s) => s.serviceId !== ctx.serviceId)
    for (const peer of peers) {
      const seq = ++this.seq
      const t0 = performance.now()
      try {
        const reply = await ctx.proxy.request(
          { kind: 'logic', id: peer.serviceId },
          Echo,
          Echo.create({ text: `ping ${seq}`, seq }),
          Echo,
        )
        this.pings?.inc({ result: 'ok' })
        ctx.logger.info(
          {
            peer: peer.serviceId,
            seq: reply.seq,
            reply: reply.text,
            rttMs: Math.round((performance.now() - t0) * 100) / 100,
          },
          'peer-ping: answered',
        )
      } catch (err) {
        this.pings?.inc({ result: 'failed' })
        ctx.logger.warn({ peer: peer.serviceId, err }, 'peer-ping: failed')
      }
    }
  }

  close(): void {
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
  }
}

// @component logic sort=100
export const peerPing: ComponentFactory<PeerPing, ServiceContext<LogicConfig>> = {
  typeId: 20_100,
  name: 'peer-ping',
  create: (host) => new PeerPing(host),
}
