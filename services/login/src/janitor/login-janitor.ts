import { BaseComponent, type ComponentFactory, type ServiceContext, type TimerHandle } from '@tessera/kernel'
import type { LoginConfig } from '../config.js'
import { LOGIN_CORE_ID, type LoginCore } from '../login-core.js'

export const LOGIN_JANITOR_ID = 30_004

/**
 * Every `login.janitorMs`, deletes what has run out: hand-off tokens, account
 * sessions, queue places whose holders went silent, decayed throttle
 * counters, and (in a cluster) the online rows of gateway instances that are
 * no longer in the registry (they left while no login process watched).
 * Every login process runs it; the deletes are idempotent and bounded.
 */
export class LoginJanitor extends BaseComponent<ServiceContext<LoginConfig>> {
  private timer: TimerHandle | undefined
  private running = false

  startup(): void {
    const ctx = this.host.context
    this.timer = ctx.timers.every(ctx.config.login.janitorMs, () => void this.sweep())
  }

  /** One round (skipped while the previous one still runs). */
  async sweep(): Promise<void> {
    if (this.running) return
    this.running = true
    const ctx = this.host.context
    const p = this.host.get<LoginCore>(LOGIN_CORE_ID).parts
    try {
      if (!p) return
      const now = ctx.clock.now()
      await p.tokens.sweep(now)
      await p.accounts.sweep(now)
      await p.admission.sweep(now)
      await p.throttle.sweep(now)
      if (ctx.config.cluster.center !== undefined) {
        const live = ctx.proxy.membership
          .ofKind('gateway')
          .map((s) => ({ serviceId: s.serviceId, startedAtMs: s.startedAtMs }))
        // Rows younger than a janitor round may belong to a gateway we have not heard of yet.
        await p.online.dropMissing(live, now - ctx.config.login.janitorMs)
      }
    } catch (err) {
      ctx.logger.warn({ err }, 'login: janitor round failed')
    } finally {
      this.running = false
    }
  }

  willClose(): void {
    if (this.timer !== undefined) this.host.context.timers.cancel(this.timer)
  }
}

// @component login sort=40
export const loginJanitor: ComponentFactory<LoginJanitor, ServiceContext<LoginConfig>> = {
  typeId: LOGIN_JANITOR_ID,
  name: 'login-janitor',
  dependsOn: [LOGIN_CORE_ID],
  create: (host) => new LoginJanitor(host),
}
