/** Who a redeemed hand-off token belongs to. */
export interface Redeemed {
  userId: bigint
  account: string
  nickname: string
  /** The account's login epoch the token was issued under. */
  loginEpoch: bigint
}

/**
 * Turns the hand-off token a client presents in its Handshake into a user:
 * single use, bound to this gateway. A refusal throws EDGE_BAD_TOKEN (the
 * client sees WIRE_BAD_TOKEN); an unreachable login throws a CLUSTER_ error
 * (WIRE_UNAVAILABLE).
 */
export interface TokenRedeemer {
  redeem(token: string, gatewayServiceId: number): Promise<Redeemed>
}
