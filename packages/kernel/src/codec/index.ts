// Public surface of the body codec: compression, encryption and the
// message pipeline tying them to the generated registry. The frame header
// itself is net/'s (frame-header.ts).

// The signed transcript's layout lives in the wire package (the client SDK verifies the same bytes).
export { handshakeTranscript, SIGNATURE_CONTEXT, type TranscriptFields } from '@tessera/wire'
export { BodyCompressor, type CompressionOptions, defaultCompressionOptions } from './compression.js'
export {
  type CipherOptions,
  type CipherRole,
  cipherSealer,
  createSessionCipher,
  createSessionKeys,
  defaultCipherOptions,
  frameAad,
  SEALED_OVERHEAD,
  SessionCipher,
  type SessionCipherInit,
} from './encryption.js'
export {
  CodecBadBody,
  CodecBadOptions,
  CodecDecryptFailed,
  CodecEncodeFailed,
  CodecInflateFailed,
  CodecInflateTooLarge,
  CodecKeyExchangeFailed,
  CodecNoCipher,
  CodecPlaintextRefused,
  CodecReplay,
  CodecUnknownMessage,
} from './errors.js'
export {
  handshakeDigest,
  loadSigningKey,
  openResumeToken,
  RESUME_TOKEN_INFO,
  rawEd25519Public,
  type SigningKey,
  sealResumeToken,
  signingKeyId,
  signTranscript,
  verifyTranscript,
} from './handshake-auth.js'
export { generateKeyPair, generateNonce, HKDF_INFO, type KeyPair, NONCE_BYTES } from './key-agreement.js'
export {
  type BodyRegistry,
  type BodyType,
  type EncodedBody,
  MessageCodec,
  type MessageCodecOptions,
} from './message-codec.js'
