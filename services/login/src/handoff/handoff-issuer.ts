import type { LoginDb, Tx } from '../db/index.js'
import { LoginNoGateway } from '../errors.js'
import type { GatewayPicker } from './gateway-picker.js'
import type { HandoffTokens } from './handoff-tokens.js'

/** What a client needs to go to its gateway (the GatewayHandoff message). */
export interface Handoff {
  token: string
  gatewayServiceId: number
  expiresAtMs: bigint
  tcp: string[]
  ws: string[]
}

/** Chooses a gateway and issues the token for it. */
export class HandoffIssuer {
  constructor(
    private readonly picker: GatewayPicker,
    private readonly tokens: HandoffTokens,
    private readonly ttlMs: number,
  ) {}

  /** The gateway first (LOGIN_NO_GATEWAY when none is READY), then the token in `q`. */
  async issue(q: Tx | LoginDb, userId: bigint, loginEpoch: bigint, now: number): Promise<Handoff> {
    const g = this.picker.pick(now)
    if (!g) throw new LoginNoGateway()
    const expiresAt = now + this.ttlMs
    const token = await this.tokens.issue(q, userId, g, loginEpoch, expiresAt)
    return { token, gatewayServiceId: g.serviceId, expiresAtMs: BigInt(expiresAt), tcp: g.tcp, ws: g.ws }
  }

  /** Fails now when no gateway could be chosen (checked before any state changes). */
  assertGateway(now: number): void {
    if (!this.picker.available(now)) throw new LoginNoGateway()
  }
}
