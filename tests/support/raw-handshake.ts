import { decodeFrame, encodeFrame } from '@tessera/client'
import { ErrorReply, Handshake, HandshakeOk, SCHEMA_HASH, VersionStage } from '@tessera/protocol'
import WebSocket from 'ws'

/** A Handshake body from a release 1.0.0 client of this schema, with `token` and any other fields. */
export function handshakeBody(token: string, extra: Partial<Handshake> = {}): Uint8Array {
  return Handshake.encode(
    Handshake.create({
      version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
      schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
      token,
      ...extra,
    }),
  )
}

/** One hand-made Handshake over a fresh WebSocket; resolves with the server's answer. */
export function rawHandshake(
  wsUrl: string,
  fields: Partial<Handshake>,
): Promise<{ ok: HandshakeOk | null; error: ErrorReply | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl)
    ws.binaryType = 'nodebuffer'
    ws.on('open', () => {
      const hs = Handshake.create({
        version: { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
        schemaHash: Buffer.from(SCHEMA_HASH, 'hex'),
        ...fields,
      })
      ws.send(encodeFrame(0, Handshake.msgId, 7, Handshake.encode(hs)))
    })
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame(new Uint8Array(data))
      ws.terminate()
      if (!f) return reject(new Error('bad frame'))
      if (f.flags & 0x08) resolve({ ok: null, error: ErrorReply.decode(f.body) })
      else resolve({ ok: HandshakeOk.decode(f.body), error: null })
    })
    ws.on('error', reject)
  })
}
