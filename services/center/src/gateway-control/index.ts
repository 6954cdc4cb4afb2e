export type { ActionOutcome, GatewayReply } from './action-replies.js'
export {
  GatewayControl,
  gatewayControl,
  MAX_KICK_MESSAGE_BYTES,
  MAX_NOTICE_BYTES,
} from './gateway-control.js'
export type { IpRuleChange, IpRuleSet } from './ip-rules-store.js'
export { MAX_IP_RULES } from './ip-rules-store.js'
