export { q, type RunResult, type Transport, transportFor } from './transport.js'
