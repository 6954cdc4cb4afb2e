import { EdgeBadToken, type ServiceProxy } from '@tessera/kernel'
import { HandoffRedeem, HandoffRedeemOk } from '@tessera/protocol'
import type { Redeemed, TokenRedeemer } from './token-redeemer.js'

/**
 * Redeems hand-off tokens at any login process (HandoffRedeem: single use,
 * bound to this gateway and the account's login epoch; docs/login.md). A
 * refusal (LOGIN_TOKEN_*) becomes EDGE_BAD_TOKEN naming the login code; a
 * login that cannot be reached stays a CLUSTER_ error (WIRE_UNAVAILABLE).
 */
export class LoginRedeemer implements TokenRedeemer {
  constructor(
    private readonly proxy: ServiceProxy,
    private readonly timeoutMs: number,
  ) {}

  async redeem(token: string, gatewayServiceId: number): Promise<Redeemed> {
    try {
      const r = await this.proxy.request(
        { kind: 'login' },
        HandoffRedeem,
        { token, gatewayServiceId },
        HandoffRedeemOk,
        { timeoutMs: this.timeoutMs },
      )
      return { userId: r.userId, account: r.account, nickname: r.nickname, loginEpoch: r.loginEpoch }
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (code.startsWith('CLUSTER_') || code === 'LOGIN_UNAVAILABLE') throw err
      throw EdgeBadToken.with({ cause: err }, `${code || 'refused'}: ${(err as Error).message}`)
    }
  }
}
