export { GATEWAY_ADMIN_ID, GatewayAdmin, gatewayAdmin } from './gateway-admin.js'
