import type {
  AccountChangePasswordRes,
  AccountLoginRes,
  AccountRegisterRes,
  GatewayHandoff,
  LoginQueueStatus,
} from '@tessera/protocol/client'

export type { AccountLoginRes, AccountRegisterRes, GatewayHandoff, LoginQueueStatus }

/**
 * The login service's operations, the same over HTTP and over a socket
 * (docs/login.md). Refusals reject with a TesseraClientError whose `code`
 * is the server's (`LOGIN_BAD_CREDENTIALS`, `LOGIN_THROTTLED_IP`, ...);
 * `details.retryAfterMs` is set when the server said when to retry.
 */
export interface LoginApi {
  register(r: { account: string; password: string; nickname?: string }): Promise<AccountRegisterRes>
  login(r: { account: string; password: string }): Promise<AccountLoginRes>
  queuePoll(ticket: string): Promise<LoginQueueStatus>
  queueLeave(ticket: string): Promise<boolean>
  logout(sessionToken: string): Promise<void>
  changePassword(r: {
    sessionToken: string
    currentPassword: string
    newPassword: string
  }): Promise<AccountChangePasswordRes>
  changeNickname(r: { sessionToken: string; nickname: string }): Promise<string>
  /**
   * Socket transports only: the server pushes queue positions and the
   * admission itself (LoginQueuePush) while the connection is open.
   */
  onQueuePush?(fn: (status: LoginQueueStatus) => void): () => void
}
