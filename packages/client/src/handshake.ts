import { Compression, Encryption, Handshake } from '@tessera/protocol/client'
import { hexToBytes, type ResolvedClientOptions } from './client-options.js'
import { compressionAvailable } from './compress.js'
import { ClientErrorCode, TesseraClientError } from './errors.js'
import { webCryptoSupportsEd25519 } from './server-auth.js'
import { ClientKeyExchange, webCryptoSupportsX25519 } from './web-cipher.js'

let x25519: Promise<boolean> | null = null
let ed25519: Promise<boolean> | null = null

/** Whether to offer encryption: `options.encryption` against what this runtime's WebCrypto can do. */
async function wantEncryption(o: ResolvedClientOptions): Promise<boolean> {
  if (o.encryption === false) return false
  x25519 ??= webCryptoSupportsX25519()
  const ok = await x25519
  if (o.encryption === true && !ok)
    throw new TesseraClientError(
      ClientErrorCode.BAD_ARGUMENT,
      'encryption required but WebCrypto has no X25519 here',
    )
  if (o.serverKeys.length > 0) {
    ed25519 ??= webCryptoSupportsEd25519()
    if (!(await ed25519))
      throw new TesseraClientError(
        ClientErrorCode.BAD_ARGUMENT,
        'serverKeys given but WebCrypto has no Ed25519 here to check the server',
      )
  }
  return ok
}

/**
 * The first frame of every connection: version, schema hash, the login
 * token (new sessions only), what the client offers, its X25519 key when encrypting, and the
 * resume point after a drop.
 */
export async function prepareHandshake(
  o: ResolvedClientOptions,
  resume: { resumeToken: string; lastReceivedSeq: number } | null,
): Promise<{ handshake: Handshake; keyExchange: ClientKeyExchange | null }> {
  // A resume is authenticated by the resume token; the (short-lived) login
  // token may have expired since, so it is sent only for a new session.
  const token = resume ? '' : typeof o.token === 'function' ? await o.token() : o.token
  const keyExchange = (await wantEncryption(o)) ? await ClientKeyExchange.create() : null
  const compress = o.compression && compressionAvailable()
  const handshake = Handshake.create({
    version: o.version,
    schemaHash: hexToBytes(o.schemaHash),
    token,
    compression: compress
      ? [Compression.COMPRESSION_DEFLATE_RAW, Compression.COMPRESSION_NONE]
      : [Compression.COMPRESSION_NONE],
    encryption: keyExchange ? [Encryption.ENCRYPTION_X25519_AES_256_GCM] : [Encryption.ENCRYPTION_NONE],
    keyPublic: keyExchange?.publicKey ?? new Uint8Array(0),
    nonce: keyExchange?.nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(32)),
    clientKind: o.clientKind,
    // Every frame after the handshake authenticated, control frames included.
    sealAll: keyExchange !== null,
  })
  if (resume)
    handshake.resume = { resumeToken: resume.resumeToken, lastReceivedSeq: BigInt(resume.lastReceivedSeq) }
  return { handshake, keyExchange }
}
