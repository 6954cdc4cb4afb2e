import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { TesseraClientError } from '@tessera/client'
import { Echo, Encryption, WireError } from '@tessera/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientFor, type Transport } from '../support/clients.js'
import { startTestServer, type TestServer } from '../support/edge-server.js'
import { rawHandshake } from '../support/raw-handshake.js'

// A server that requires seal_all (`encryption: 'sealed'`, server-wide or
// per stack) refuses every client that would leave frames in clear: one
// without encryption, and an older one that encrypts game bodies only
// (no seal_all). The SDK, which always asks for seal_all when it
// encrypts, is served. The refusal has its own code, WIRE_SEAL_REQUIRED.

async function refusal(p: Promise<unknown>): Promise<TesseraClientError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TesseraClientError)
  return err as TesseraClientError
}

/** An X25519 public key (raw 32 bytes) so the offer is a real one. */
function x25519Public(): Uint8Array {
  const { publicKey } = generateKeyPairSync('x25519')
  return new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
}

describe('encryption: sealed (every port)', () => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startTestServer({ encryption: 'sealed' })
  })
  afterAll(() => srv.close())

  it.each<Transport>(['tcp', 'ws'])('refuses an SDK client without encryption over %s (final)', async (t) => {
    const c = clientFor(srv, t, { encryption: false })
    const err = await refusal(c.connect())
    expect(err.code).toBe('WIRE_SEAL_REQUIRED')
    expect(err.wireCode).toBe(WireError.WIRE_SEAL_REQUIRED)
    expect(err.message).toMatch(/offered no encryption/)
    expect(c.state).toBe('closed')
  })

  it('refuses an older client that encrypts but does not ask for seal_all', async () => {
    const r = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(42n, 60_000),
      encryption: [Encryption.ENCRYPTION_X25519_AES_256_GCM],
      keyPublic: x25519Public(),
      nonce: new Uint8Array(randomBytes(32)),
      sealAll: false,
    })
    expect(r.ok).toBeNull()
    expect(r.error?.code).toBe(WireError.WIRE_SEAL_REQUIRED)
    expect(r.error?.name).toBe('WIRE_SEAL_REQUIRED')
    expect(r.error?.message).toMatch(/did not ask for seal_all/)
    // The same offer with seal_all is served.
    const ok = await rawHandshake(srv.wsUrl, {
      token: srv.tokens.sign(42n, 60_000),
      encryption: [Encryption.ENCRYPTION_X25519_AES_256_GCM],
      keyPublic: x25519Public(),
      nonce: new Uint8Array(randomBytes(32)),
      sealAll: true,
    })
    expect(ok.error).toBeNull()
    expect(ok.ok?.sealAll).toBe(true)
  })

  it.each<Transport>(['tcp', 'ws'])(
    'serves the SDK with encryption over %s, every frame sealed',
    async (t) => {
      const c = clientFor(srv, t, { encryption: true })
      const ok = await c.connect()
      expect(ok.sealAll).toBe(true)
      expect(ok.encryption).toBe(Encryption.ENCRYPTION_X25519_AES_256_GCM)
      expect((await c.request(Echo, { text: 'sealed' })).text).toBe('sealed')
      expect(srv.net.list().every((s) => s.sealed)).toBe(true)
      await c.close()
    },
  )
})

describe('encryptionByStack: sealed on ws only', () => {
  let srv: TestServer
  beforeAll(async () => {
    srv = await startTestServer({ encryption: 'optional', encryptionByStack: { ws: 'sealed' } })
  })
  afterAll(() => srv.close())

  it('refuses a plain client on the ws port and serves it on the tcp port', async () => {
    const ws = clientFor(srv, 'ws', { encryption: false })
    expect((await refusal(ws.connect())).code).toBe('WIRE_SEAL_REQUIRED')
    const tcp = clientFor(srv, 'tcp', { encryption: false })
    const ok = await tcp.connect()
    expect(ok.encryption).toBe(Encryption.ENCRYPTION_NONE)
    expect((await tcp.request(Echo, { text: 'plain' })).text).toBe('plain')
    await tcp.close()
    const sealed = clientFor(srv, 'ws', { encryption: true })
    expect((await sealed.connect()).sealAll).toBe(true)
    await sealed.close()
  })
})
