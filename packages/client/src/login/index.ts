// The login flow of @tessera/client: the login API over HTTP or a socket,
// and the flow that waits through the admission queue.

export type {
  AccountLoginRes,
  AccountRegisterRes,
  GatewayHandoff,
  LoginApi,
  LoginQueueStatus,
} from './login-api.js'
export type { LoggedIn, LoginFlowEvents, LoginFlowOptions } from './login-flow.js'
export { LoginFlow } from './login-flow.js'
export type { FetchLike, HttpLoginOptions } from './login-http.js'
export { httpLoginApi } from './login-http.js'
export { socketLoginApi } from './login-socket.js'
