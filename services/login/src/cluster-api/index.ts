export { LOGIN_CLUSTER_API_ID, LoginClusterApi, loginClusterApi } from './login-cluster-api.js'
