import type { MessageType } from '@tessera/protocol'
import type { Caller, LoginService } from '../login-service.js'
import {
  AccountChangeNickname,
  AccountChangeNicknameRes,
  AccountChangePassword,
  AccountChangePasswordRes,
  AccountLogin,
  AccountLoginRes,
  AccountLogout,
  AccountLogoutRes,
  AccountRegister,
  AccountRegisterRes,
  LoginQueueLeave,
  LoginQueueLeaveRes,
  LoginQueuePoll,
  LoginQueueStatus,
} from '../wire.js'

/**
 * One client operation: its request and response messages, its HTTP path,
 * and what it does. The HTTP routes and the socket handlers are both built
 * from this table, so the two paths cannot drift apart.
 */
export interface LoginOp<Req = unknown, Res = unknown> {
  name: string
  /** `POST <path>` on the HTTP front. */
  path: string
  request: MessageType<Req>
  response: MessageType<Res>
  run(svc: LoginService, req: Req, caller: Caller): Promise<Res>
}

function op<Req, Res>(o: LoginOp<Req, Res>): LoginOp {
  return o as unknown as LoginOp
}

export const LOGIN_OPS: readonly LoginOp[] = [
  op({
    name: 'register',
    path: '/v1/register',
    request: AccountRegister,
    response: AccountRegisterRes,
    run: async (svc, m, caller) => AccountRegisterRes.create(await svc.register(m, caller)),
  }),
  op({
    name: 'login',
    path: '/v1/login',
    request: AccountLogin,
    response: AccountLoginRes,
    run: async (svc, m, caller) => AccountLoginRes.create(await svc.login(m, caller)),
  }),
  op({
    name: 'queuePoll',
    path: '/v1/queue/poll',
    request: LoginQueuePoll,
    response: LoginQueueStatus,
    run: async (svc, m) => LoginQueueStatus.create(await svc.queuePoll(m.ticket)),
  }),
  op({
    name: 'queueLeave',
    path: '/v1/queue/leave',
    request: LoginQueueLeave,
    response: LoginQueueLeaveRes,
    run: async (svc, m) => LoginQueueLeaveRes.create({ left: await svc.queueLeave(m.ticket) }),
  }),
  op({
    name: 'logout',
    path: '/v1/logout',
    request: AccountLogout,
    response: AccountLogoutRes,
    run: async (svc, m) => {
      await svc.logout(m.sessionToken)
      return AccountLogoutRes.create({})
    },
  }),
  op({
    name: 'changePassword',
    path: '/v1/password',
    request: AccountChangePassword,
    response: AccountChangePasswordRes,
    run: async (svc, m, caller) => AccountChangePasswordRes.create(await svc.changePassword(m, caller)),
  }),
  op({
    name: 'changeNickname',
    path: '/v1/nickname',
    request: AccountChangeNickname,
    response: AccountChangeNicknameRes,
    run: async (svc, m) => AccountChangeNicknameRes.create(await svc.changeNickname(m)),
  }),
]
