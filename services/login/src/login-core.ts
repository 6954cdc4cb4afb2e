import {
  BaseComponent,
  type ComponentFactory,
  MemoryGuard,
  registerMemoryGuardMetrics,
  type ServiceContext,
} from '@tessera/kernel'
import type { LoginConfig } from './config.js'
import { LoginDb } from './db/index.js'
import { LoginBadConfig } from './errors.js'
import { assembleLogin, checkLoginConfig, type LoginParts } from './login-assembly.js'
import type { LoginService } from './login-service.js'
import { SessionKick } from './wire.js'

export const LOGIN_CORE_ID = 30_001

/**
 * The login service's state and rules: the database, the password hasher
 * and every store, assembled into the {@link LoginService} the fronts and
 * the cluster API call. Opens the database at willStartup (so a start-up
 * without MySQL fails with a clear error before any port opens) and closes
 * it last.
 */
export class LoginCore extends BaseComponent<ServiceContext<LoginConfig>> {
  parts: LoginParts | undefined
  private guard: MemoryGuard | undefined
  private unexportGuard: (() => void) | undefined

  get service(): LoginService {
    if (!this.parts) throw new LoginBadConfig('the login service is used before it started')
    return this.parts.service
  }

  init(): void {
    checkLoginConfig(this.host.context.config.login)
  }

  async willStartup(): Promise<void> {
    const ctx = this.host.context
    const c = ctx.config.login
    const db = await LoginDb.open({
      url: c.database.url,
      database: c.database.name,
      connectionLimit: c.database.connectionLimit,
      deadlineMs: c.database.deadlineMs,
      logger: ctx.logger,
    })
    ctx.logger.info({ database: c.database.name }, 'login: database open')
    const clustered = ctx.config.cluster.center !== undefined
    const guard = MemoryGuard.fromConfig(c.memoryGuard, {
      scope: `login#${ctx.serviceId}`,
      timers: ctx.timers,
      logger: ctx.logger,
      onAlert: ctx.alert,
    }).start()
    this.guard = guard
    this.unexportGuard = registerMemoryGuardMetrics(ctx.metrics, guard)
    this.parts = assembleLogin({
      cfg: c,
      db,
      gateways: () => (clustered ? ctx.proxy.membership.ofKind('gateway') : []),
      newUserId: () => ctx.ids.next(),
      now: () => ctx.clock.now(),
      alert: ctx.alert,
      kick: (gatewayServiceId, userId, loginEpoch, reason) => {
        if (!clustered) return
        try {
          ctx.proxy.notify({ kind: 'gateway', id: gatewayServiceId }, SessionKick, {
            userId,
            loginEpoch,
            reason,
          })
        } catch (err) {
          ctx.logger.warn({ err, gatewayServiceId }, 'login: cannot tell the gateway to kick')
        }
      },
      logger: ctx.logger,
      memoryGuard: guard,
    })
  }

  async close(): Promise<void> {
    this.guard?.stop()
    this.unexportGuard?.()
    await this.parts?.db.close()
  }
}

// @component login sort=10
export const loginCore: ComponentFactory<LoginCore, ServiceContext<LoginConfig>> = {
  typeId: LOGIN_CORE_ID,
  name: 'login-core',
  create: (host) => new LoginCore(host),
}
