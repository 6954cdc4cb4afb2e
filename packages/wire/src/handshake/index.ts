export { handshakeTranscript, SIGNATURE_CONTEXT, type TranscriptFields } from './handshake-transcript.js'
