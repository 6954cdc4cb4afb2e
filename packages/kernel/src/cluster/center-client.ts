import {
  type ClusterWire,
  MembershipUpdate,
  RegisterService,
  RegisterServiceOk,
  ServiceHeartbeat,
  ServiceHeartbeatOk,
  type ServiceInfo,
  StartupGo,
  UnregisterService,
  UnregisterServiceOk,
} from '@tessera/wire'
import { toTesseraError } from '../errors/index.js'
import { type NetLogger, silentLogger } from '../net/index.js'
import { type Scheduler, systemTimers, type TimerHandle } from '../timer/index.js'
import type { ServiceProxy } from './service-proxy.js'

export interface CenterClientOptions {
  proxy: ServiceProxy
  /** @deprecated ignored: the cluster layer uses @tessera/wire's generated messages. */
  wire?: ClusterWire
  /** The center's cluster address, `tcp://host:port`. */
  centerAddress: string
  /** This service as it registers (read again at every registration, so load and state stay current). */
  info: () => ServiceInfo
  /** Until the center says otherwise. Default 1000 ms. */
  heartbeatMs?: number
  /** Runs the heartbeat (the service's `ctx.timers`; default: the process-wide systemTimers()). */
  timers?: Scheduler
  logger?: NetLogger
  /** The center said every dependency is ready. */
  onStartupGo?: (msg: StartupGo) => void
  /** The machine-id holder token this process leased its id with (sent at every registration). */
  holder?: string
  /**
   * The center confirmed this process is registered (a registration or a
   * heartbeat answered as known); `sentAtMs` is when that request was sent
   * (wall clock), so the claim was valid at least then.
   */
  onConfirmed?: (sentAtMs: number) => void
  /**
   * The center refused to register us because another process claimed our
   * machine id (CENTER_MACHINE_ID_SUPERSEDED): heartbeats stop; the process
   * must stop minting ids and exit.
   */
  onSuperseded?: (err: Error) => void
}

/** The center's refusal of a process whose machine id another process holds now. */
export const MACHINE_ID_SUPERSEDED = 'CENTER_MACHINE_ID_SUPERSEDED'

/** Service id the center's fixed channel is kept under (a service id no service may take). */
export const CENTER_CHANNEL_ID = 0xffffffff

/**
 * A service's side of the registry: register, heartbeat, apply membership
 * pushes. When the center is away the cached membership stays as it was and
 * the heartbeat keeps knocking; when it answers again (or says it does not
 * know us) the service registers again.
 */
export class CenterClient {
  private readonly proxy: ServiceProxy
  private readonly logger: NetLogger
  private heartbeatMs: number
  private timer: TimerHandle | null = null
  private readonly timers: Scheduler
  private registered = false
  private busy = false
  private stopped = false
  private stopping: Promise<void> | null = null
  /** Registrations that succeeded (the first, then one per center return). */
  registrations = 0

  constructor(private readonly opts: CenterClientOptions) {
    this.proxy = opts.proxy
    this.logger = opts.logger ?? silentLogger
    this.heartbeatMs = opts.heartbeatMs ?? 1000
    this.timers = opts.timers ?? systemTimers()
    this.proxy.addFixedPeer(CENTER_CHANNEL_ID, 'center', opts.centerAddress)
    this.proxy.on(MembershipUpdate, (u) => this.proxy.membership.apply(u))
    this.proxy.on(StartupGo, (m) => this.opts.onStartupGo?.(m))
  }

  get isRegistered(): boolean {
    return this.registered
  }

  /** Register once (rejects when the center cannot be reached), then heartbeat on a timer. */
  async start(): Promise<void> {
    try {
      await this.register()
    } catch (err) {
      this.superseded(err)
      throw err
    }
    this.schedule()
  }

  /** Send a heartbeat now (also used to report a state change at once). */
  async beat(): Promise<void> {
    if (this.busy || this.stopped) return
    this.busy = true
    try {
      if (!this.registered) {
        await this.register()
        return
      }
      const s = this.opts.info()
      const sentAt = Date.now()
      const res = await this.proxy.request(
        CENTER_CHANNEL_ID,
        ServiceHeartbeat,
        { serviceId: s.serviceId, load: s.load, state: s.state },
        ServiceHeartbeatOk,
        { timeoutMs: this.heartbeatMs * 2 },
      )
      if (!res.known) {
        this.logger.info({}, 'center: it does not know us (restarted?), registering again')
        this.registered = false
        await this.register()
      } else this.opts.onConfirmed?.(sentAt)
    } catch (err) {
      if (this.superseded(err)) return
      if (this.registered) {
        const e = toTesseraError(err)
        this.logger.warn(
          { code: e.code, reason: e.message },
          'center: unreachable, keeping the cached membership',
        )
      }
      this.registered = false
    } finally {
      this.busy = false
    }
  }

  /** Register again now (the service's info changed, e.g. client ports opened). */
  async reregister(): Promise<void> {
    this.registered = false
    await this.beat()
  }

  /** Tell the center we leave (best effort, bounded) and stop heartbeating. Every call returns the same promise. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce()
    return this.stopping
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true
    if (this.timer !== null) this.timers.cancel(this.timer)
    this.timer = null
    if (!this.registered) return
    const id = this.opts.info().serviceId
    await this.proxy
      .request(CENTER_CHANNEL_ID, UnregisterService, { serviceId: id }, UnregisterServiceOk, {
        timeoutMs: 1000,
      })
      .catch(() => {})
    this.registered = false
  }

  /** A CENTER_MACHINE_ID_SUPERSEDED refusal: stop for good and tell the owner. */
  private superseded(err: unknown): boolean {
    if (toTesseraError(err).code !== MACHINE_ID_SUPERSEDED) return false
    this.stopped = true
    this.registered = false
    if (this.timer !== null) this.timers.cancel(this.timer)
    this.timer = null
    this.logger.error({ err }, 'center: another process holds our machine id now; stopping')
    this.opts.onSuperseded?.(err as Error)
    return true
  }

  private async register(): Promise<void> {
    const sentAt = Date.now()
    const res = await this.proxy.request(
      CENTER_CHANNEL_ID,
      RegisterService,
      { service: this.opts.info(), holder: this.opts.holder ?? '' },
      RegisterServiceOk,
      { timeoutMs: Math.max(2000, this.heartbeatMs * 2) },
    )
    this.opts.onConfirmed?.(sentAt)
    if (res.heartbeatMs > 0) this.heartbeatMs = res.heartbeatMs
    // A center still collecting re-registrations knows less than we do: add, never drop.
    if (res.complete) this.proxy.membership.apply({ up: res.members, down: [], full: true })
    else this.proxy.membership.merge(res.members)
    this.registered = true
    this.registrations++
    this.logger.info({ members: res.members.length, complete: res.complete }, 'center: registered')
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = this.timers.after(this.heartbeatMs, () => {
      this.timer = null
      void this.beat().finally(() => this.schedule())
    })
  }
}
