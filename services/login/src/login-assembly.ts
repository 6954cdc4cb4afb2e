import type { OnAlert, ServiceInfoMsg } from '@tessera/kernel'
import {
  AccountRules,
  AccountStore,
  PasswordBlocklist,
  PasswordHasher,
  SHIPPED_BLOCKLIST,
} from './accounts/index.js'
import { Admission, type AdmissionGuard } from './admission/index.js'
import type { LoginSection } from './config.js'
import type { LoginDb } from './db/index.js'
import { LoginBadConfig } from './errors.js'
import { GatewayPicker, HandoffIssuer, HandoffTokens, OnlineSessions } from './handoff/index.js'
import { InFlight, StormWatch, Throttle } from './limits/index.js'
import { LoginService, type LoginServiceDeps } from './login-service.js'
import { LogoutBatcher } from './logout/index.js'

/** Every part of a login process, built around one database. */
export interface LoginParts {
  db: LoginDb
  hasher: PasswordHasher
  accounts: AccountStore
  throttle: Throttle
  tokens: HandoffTokens
  online: OnlineSessions
  admission: Admission
  service: LoginService
}

export interface LoginAssemblyOptions {
  cfg: LoginSection
  db: LoginDb
  /** The gateways of the center's registry. */
  gateways: () => readonly ServiceInfoMsg[]
  newUserId: () => bigint
  now: () => number
  kick: LoginServiceDeps['kick']
  logger: LoginServiceDeps['logger']
  /** Raise an alert (the login-storm alert); none: the log line only. */
  alert?: OnAlert
  /** This process's memory guard: while over, every login queues. None: never held back. */
  memoryGuard?: AdmissionGuard
}

/** Check the limits that zod cannot relate to each other. */
export function checkLoginConfig(c: LoginSection): void {
  if (c.account.minLength > c.account.maxLength) throw new LoginBadConfig('account.minLength > maxLength')
  if (c.nickname.minLength > c.nickname.maxLength) throw new LoginBadConfig('nickname.minLength > maxLength')
  if (c.password.minLength > c.password.maxLength) throw new LoginBadConfig('password.minLength > maxLength')
}

/**
 * Build the login service's stores and rules on an open database: one
 * place, used by the service component and by tests, so tests run exactly
 * what production runs.
 */
export function assembleLogin(o: LoginAssemblyOptions): LoginParts {
  const c = o.cfg
  checkLoginConfig(c)
  const lists = [SHIPPED_BLOCKLIST, ...(c.password.blocklistFile ? [c.password.blocklistFile] : [])]
  const rules = new AccountRules(c, PasswordBlocklist.load(lists))
  const hasher = new PasswordHasher(c.argon2)
  const db = o.db
  // About one registry heartbeat: local hand-offs count until the load catches up.
  const picker = new GatewayPicker(o.gateways, 2_000)
  const tokens = new HandoffTokens(db)
  const accounts = new AccountStore(db)
  const throttle = new Throttle(db, c.limits)
  const online = new OnlineSessions(db)
  const admission = new Admission(
    db,
    new HandoffIssuer(picker, tokens, c.handoff.tokenTtlMs),
    c.admission,
    o.memoryGuard,
  )
  const logouts = new LogoutBatcher({ db, accounts, admission, online, now: o.now, kick: o.kick }, c.logout)
  const service = new LoginService({
    db,
    rules,
    hasher,
    accounts,
    throttle,
    inFlight: new InFlight(c.limits.ipInFlight),
    admission,
    logouts,
    tokens,
    online,
    newUserId: o.newUserId,
    now: o.now,
    sessionTtlMs: c.handoff.sessionTtlMs,
    ipv6PrefixBits: c.limits.ipv6PrefixBits,
    kick: o.kick,
    logger: o.logger,
    storm: new StormWatch(c.limits.stormPerMinute, 60_000, (failures) => {
      o.logger.warn(
        { failures, perMinute: c.limits.stormPerMinute },
        'login: storm of refused password checks',
      )
      o.alert?.({
        kind: 'login-storm',
        severity: 'warning',
        title: 'login storm: refused password checks over the limit',
        text: `${failures} refused password checks (wrong, unknown or throttled) within a minute in this process (alert at login.limits.stormPerMinute = ${c.limits.stormPerMinute}); look for credential stuffing or a client retrying in a loop, consider IP deny`,
      })
    }),
  })
  return { db, hasher, accounts, throttle, tokens, online, admission, service }
}
