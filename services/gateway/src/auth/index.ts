// How the gateway learns who a client is: the hand-off token, redeemed at login.
export { LoginRedeemer } from './login-redeemer.js'
export type { Redeemed, TokenRedeemer } from './token-redeemer.js'
