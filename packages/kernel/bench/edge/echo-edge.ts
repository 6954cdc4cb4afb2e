// The server side of the edge benchmarks' children: an EdgeServer answering
// Echo with the request itself, behind a NetServer. Rate limiting stays on
// (its cost is part of the figures, as in the net echo bench) but far above
// any bench load; accepts are not throttled.
import { Echo } from '@tessera/protocol'
import { type EdgeOptions, EdgeServer, edgeControlCodec } from '../../src/edge/index.js'
import { NetServer, type SessionLimits } from '../../src/net/index.js'

export function echoEdge(
  options: EdgeOptions,
  onEcho: () => void,
  client: Partial<SessionLimits> = {},
): { edge: EdgeServer; net: NetServer } {
  const edge = new EdgeServer(options)
  edge.route(Echo, (msg) => {
    onEcho()
    return msg
  })
  const net = new NetServer({
    handler: edge,
    control: edgeControlCodec,
    limits: { client: { msgRatePerSec: 10_000_000, msgBurst: 10_000_000, ...client }, acceptRatePerSec: 0 },
  })
  return { edge, net }
}
