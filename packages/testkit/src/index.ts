// Public surface of @tessera/testkit: helpers shared by the tests and
// benchmarks of every package, so each test stops what it starts (by pid)
// and removes what it creates. Bench helpers: `@tessera/testkit/bench`.
export { type FeishuPost, type FeishuWebhook, feishuWebhook } from './feishu-webhook.js'
export { freePort } from './free-port.js'
export { documentedErrorCodes, FUZZ_SEED, type FuzzRun, fuzzRun, reportFuzz } from './fuzz.js'
export {
  exchange,
  expectRefusedOrServed,
  fuzzHttpEndpoint,
  type HostileRequest,
  type HostileRequestOptions,
  hostileHttpRequest,
  jsonBytes,
  type ParsedResponse,
  parseResponse,
  plainRequest,
} from './fuzz-http.js'
export { type TempDir, tempDir, withTempDir } from './temp-dir.js'
export { makeTestPki, type TestLeaf, type TestPki } from './test-pki.js'
export { type Exit, isRunning, spawnProcess, stopProcess, type TestProcess } from './test-process.js'
export { nextEvent, until } from './until.js'
