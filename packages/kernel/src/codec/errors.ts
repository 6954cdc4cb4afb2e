import { defineError } from '../errors/index.js'

// Every error the body pipeline throws. Anything a peer can cause (bad
// bytes, wrong keys, bombs) is one of these, never a bare Error, so the
// session layer can log it, answer WIRE_BAD_BODY and release the session.

/** The frame's message id is not in the registry, or is server-only on a client session. */
export const CodecUnknownMessage = defineError<[number]>('CODEC_UNKNOWN_MESSAGE', 'unknown message id %d', {
  client: true,
})
/** The protobuf body does not parse (truncated, bad wire type, nested too deep...). */
export const CodecBadBody = defineError<[string, number, string]>(
  'CODEC_BAD_BODY',
  'cannot decode %s (msg id %d): %s',
  { client: true },
)
/** The message could not be serialised (a bug in the caller: wrong field types, cycles). */
export const CodecEncodeFailed = defineError<[string, number, string]>(
  'CODEC_ENCODE_FAILED',
  'cannot encode %s (msg id %d): %s',
)
/** A compressed body inflates past the configured cap (zip bomb or misconfigured peer). */
export const CodecInflateTooLarge = defineError<[number]>(
  'CODEC_INFLATE_TOO_LARGE',
  'compressed body inflates past the %d-byte cap',
  { client: true },
)
/** A compressed body is not valid raw deflate data. */
export const CodecInflateFailed = defineError<[string]>('CODEC_INFLATE_FAILED', 'cannot inflate body: %s', {
  client: true,
})
/** Authentication failed, the key epoch is unknown, or the sealed body is malformed. */
export const CodecDecryptFailed = defineError<[string]>('CODEC_DECRYPT_FAILED', 'cannot decrypt body: %s', {
  client: true,
})
/** A sealed frame's counter was already accepted or is older than the replay window. */
export const CodecReplay = defineError<[number]>('CODEC_REPLAY', 'frame counter %d replayed or too old', {
  client: true,
})
/** The frame says ENCRYPTED but the session has no key yet. */
export const CodecNoCipher = defineError<[]>(
  'CODEC_NO_CIPHER',
  'encrypted frame on a session without a key',
  { client: true },
)
/** The session is encrypted but the frame is not. */
export const CodecPlaintextRefused = defineError<[number]>(
  'CODEC_PLAINTEXT_REFUSED',
  'plaintext frame (msg id %d) on an encrypted session',
  { client: true },
)
/** The peer's X25519 public key or handshake nonce is unusable. */
export const CodecKeyExchangeFailed = defineError<[string]>(
  'CODEC_KEY_EXCHANGE_FAILED',
  'key exchange failed: %s',
  { client: true },
)
/** A codec option is out of range. */
export const CodecBadOptions = defineError<[string]>('CODEC_BAD_OPTIONS', 'bad codec options: %s')
