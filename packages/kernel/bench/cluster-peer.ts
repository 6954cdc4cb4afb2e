// The far side of cluster-rpc.bench.ts, in its own process: a ServiceProxy
// (logic#2) answering game.Echo and counting notifications, plus a raw
// service-session echo server (no proxy, no auth) for the baseline.
// Prints one JSON line {"proxy": addr, "raw": addr}.
import { Echo } from '@tessera/protocol'
import { ServiceProxy, TcpClusterTransport } from '../src/cluster/index.js'
import { FrameFlag, NetServer, type Session } from '../src/net/index.js'

const SECRET = process.argv[2] ?? 'bench-cluster-secret-0123'
const transport = new TcpClusterTransport({
  identity: { kind: 'logic', serviceId: 2, node: 'bench' },
  secret: SECRET,
})
const proxy = new ServiceProxy({ transport })
let count = 0
proxy.handle(Echo, Echo, (m, link) => {
  if (m.text === 'end') {
    // A notification handled as a request-type handler: report the count back.
    proxy.sendOn(link, Echo, Echo.create({ text: 'count', seq: count }))
    count = 0
    return m
  }
  if (m.text === 'n') count++
  return m
})
const proxyAddr = await proxy.listen('tcp://127.0.0.1:0')

let rawCount = 0
const raw = new NetServer({
  handler: {
    // No handshake on the baseline link: lift the handshake deadline at once.
    onOpen(s: Session) {
      s.markAuthenticated()
    },
    onMessage(s: Session, f) {
      if (f.reqId !== 0) {
        s.send(FrameFlag.RESPONSE, f.msgId, f.reqId, f.body)
        return
      }
      if (f.body.length === 0) {
        s.push(f.msgId, Buffer.from(String(rawCount)))
        rawCount = 0
      } else rawCount++
    },
  },
})
const l = await raw.listen('tcp://127.0.0.1:0', 'service')
process.stdout.write(`${JSON.stringify({ proxy: proxyAddr, raw: `tcp://127.0.0.1:${l.address.port}` })}\n`)
process.on('SIGTERM', () => process.exit(0))
