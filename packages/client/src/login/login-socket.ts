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
  LoginQueuePush,
  LoginQueueStatus,
} from '@tessera/protocol/client'
import type { TesseraClient } from '../client.js'
import type { LoginApi } from './login-api.js'

/**
 * The login service over a Tessera connection (TCP, WebSocket or a
 * mini-game socket): open a TesseraClient to the login address with an
 * empty token, then use this. While the connection is open and the player
 * is queued, the server keeps the place and pushes positions
 * ({@link LoginApi.onQueuePush}).
 */
export function socketLoginApi(client: TesseraClient): LoginApi {
  return {
    register: (r) =>
      client.request(AccountRegister, { nickname: '', ...r }, { response: AccountRegisterRes }),
    login: (r) => client.request(AccountLogin, r, { response: AccountLoginRes }),
    queuePoll: (ticket) => client.request(LoginQueuePoll, { ticket }, { response: LoginQueueStatus }),
    queueLeave: async (ticket) =>
      (await client.request(LoginQueueLeave, { ticket }, { response: LoginQueueLeaveRes })).left,
    async logout(sessionToken) {
      await client.request(AccountLogout, { sessionToken }, { response: AccountLogoutRes })
    },
    changePassword: (r) => client.request(AccountChangePassword, r, { response: AccountChangePasswordRes }),
    changeNickname: async (r) =>
      (await client.request(AccountChangeNickname, r, { response: AccountChangeNicknameRes })).nickname,
    onQueuePush: (fn) =>
      client.onPush(LoginQueuePush, (m) => fn({ position: m.position, handoff: m.handoff })),
  }
}
