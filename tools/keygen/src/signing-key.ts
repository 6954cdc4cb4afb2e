import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** An Ed25519 handshake-signing key: the PEM the server reads, the hex clients pin. */
export interface SigningKeyPair {
  /** PKCS#8 PEM private key (gateway.signingKeyFile). */
  privatePem: string
  /** Raw 32-byte public key, hex (the SDK's `serverKeys`). */
  publicHex: string
  /** First 8 bytes of SHA-256 of the raw public key, hex (HandshakeOk.signing_key_id). */
  keyId: string
}

function describe(privatePem: string): SigningKeyPair {
  const raw = Buffer.from(
    createPublicKey(createPrivateKey(privatePem)).export({ format: 'jwk' }).x!,
    'base64url',
  )
  return {
    privatePem,
    publicHex: raw.toString('hex'),
    keyId: createHash('sha256').update(raw).digest().subarray(0, 8).toString('hex'),
  }
}

/** A fresh Ed25519 key pair. */
export function generateSigningKey(): SigningKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519')
  return describe(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trimEnd())
}

/** The public half of an existing key file (to pin it in a client build). */
export function readSigningKey(file: string): SigningKeyPair {
  return describe(readFileSync(file, 'utf8'))
}
