// Child process of the secure-edge benchmark: NetServer + EdgeServer with
// the transport security under test, in its own process so its
// process.cpuUsage() is its own.
//   secure-bench-server.ts <tcp|tls> <off|required> <signed|unsigned> [cert.pem key.pem]
// IPC: sends {port, token, pin} once listening (pin: the signing key's
// public half, hex, or ''); then 'start' → {ok} (CPU baseline reset),
// 'stop' → {cpuMicros, echoed, handshakes, released}.
import { generateKeyPairSync } from 'node:crypto'
import { createRegistry, SCHEMA_HASH } from '@tessera/protocol'
import { loadSigningKey } from '../../src/codec/index.js'
import { HmacTokens } from '../../src/edge/index.js'
import { TlsContexts } from '../../src/net/index.js'
import { echoEdge } from './echo-edge.js'

const [stackArg, encArg, signArg, cert, key] = process.argv.slice(2)
const stack = stackArg === 'tls' ? 'tls' : 'tcp'
const signingKey = signArg === 'signed' ? generateKeyPairSync('ed25519').privateKey : undefined
const tokens = new HmacTokens({ secret: 'tessera-bench-secret-0123456789abcdef' })
let echoed = 0
let handshakes = 0
let released = 0
let cpuStart = process.cpuUsage()

const { net } = echoEdge(
  {
    registry: createRegistry(),
    schemaHash: SCHEMA_HASH,
    verifyToken: tokens.verifier(),
    compression: false,
    encryption: encArg === 'required' ? 'required' : 'off',
    ...(signingKey ? { signingKey } : {}),
    resumeGraceMs: 0,
    onSessionStart: () => void handshakes++,
    onSessionEnd: () => void released++,
  },
  () => void echoed++,
)
const tls =
  stack === 'tls' ? await TlsContexts.load({ certs: [{ cert: cert!, key: key! }], watch: false }) : undefined
const l = await net.listen(`${stack}://127.0.0.1:0`, 'client', { tls })

process.on('message', (m: string) => {
  if (m === 'start') {
    echoed = 0
    handshakes = 0
    released = 0
    cpuStart = process.cpuUsage()
    process.send!({ ok: true })
  } else if (m === 'stop') {
    const u = process.cpuUsage(cpuStart)
    process.send!({ cpuMicros: u.user + u.system, echoed, handshakes, released })
  }
})
process.send!({
  port: l.address.port,
  token: tokens.sign(42n, 10 * 60_000),
  pin: signingKey ? Buffer.from(loadSigningKey(signingKey).publicKey).toString('hex') : '',
})
