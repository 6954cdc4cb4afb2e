import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { FrameFlag, HEADER_BYTES, writeHeader } from '@tessera/wire'
import { type Clock, systemClock } from '../timer/clock.js'
import { CodecBadOptions, CodecDecryptFailed, CodecPlaintextRefused, CodecReplay } from './errors.js'
import { resumeTokenKey } from './handshake-auth.js'
import { initialChainKeys, type KeyPair, nextChainKey, sharedSecret, trafficKey } from './key-agreement.js'

// AES-256-GCM per frame with rotating keys (docs/protocol.md, "Encryption").
//
// Sealed body = epoch (1 byte, low 8 bits of the key epoch)
//             ‖ counter (8 bytes BE, per direction, never reset)
//             ‖ ciphertext ‖ tag (16 bytes)
// nonce (12)  = direction (1: 0x00 client→server, 0x01 server→client) ‖ 0x000000 ‖ counter
// AAD         = the 10-byte frame header with its final flags
//
// A sender moves to the next epoch on the first frame it seals after
// rotateMs (or maxFramesPerEpoch frames), so epochs advance one at a time
// and every epoch carries at least one frame. A receiver accepts its
// current epoch and the next one (which it then adopts), and keeps the
// previous epoch's key for graceMs so frames sealed before the switch but
// delivered after it (the priority lane may reorder a little) still open.

export const SEALED_OVERHEAD = 1 + 8 + 16
const TAG_BYTES = 16
const REPLAY_WINDOW = 32
/** Counters stay exact doubles far past any session's life. */
const MAX_COUNTER = 2 ** 48

export interface CipherOptions {
  /** Milliseconds an epoch's key is used for sending before rotating. Default 10 minutes; at least 1000. */
  rotateMs: number
  /** Milliseconds a receiver still accepts the previous epoch after adopting a new one. Default 30 s. */
  graceMs: number
  /** Frames sealed under one key before rotating regardless of time. Default 2^30. */
  maxFramesPerEpoch: number
  /** Time source (monotonic clock used). */
  clock: Clock
}

export const defaultCipherOptions: Readonly<Omit<CipherOptions, 'clock'>> = Object.freeze({
  rotateMs: 10 * 60_000,
  graceMs: 30_000,
  maxFramesPerEpoch: 2 ** 30,
})

export type CipherRole = 'client' | 'server'

/** The 10-byte frame header, which every sealed body authenticates. */
export function frameAad(flags: number, msgId: number, reqId: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_BYTES)
  writeHeader(b, 0, flags, msgId >>> 0, reqId >>> 0)
  return b
}

// Per-frame scratch: OpenSSL copies the IV and consumes the AAD inside the
// (synchronous) calls, so one buffer each serves every frame of the process.
const AAD_SCRATCH = Buffer.alloc(HEADER_BYTES)
const NONCE_SCRATCH = Buffer.alloc(12)
/** Read only by createCipheriv / createDecipheriv: one object for every frame. */
const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_BYTES })

/** {@link frameAad} into a shared scratch buffer: valid until the next call (use it at once). */
export function frameAadScratch(flags: number, msgId: number, reqId: number): Buffer {
  writeHeader(AAD_SCRATCH, 0, flags, msgId >>> 0, reqId >>> 0)
  return AAD_SCRATCH
}

interface Epoch {
  epoch: number
  chain: Buffer
  key: KeyObject
}

function epochFrom(epoch: number, chain: Buffer): Epoch {
  const raw = trafficKey(chain)
  const key = createSecretKey(raw)
  raw.fill(0)
  return { epoch, chain, key }
}

function advance(e: Epoch): Epoch {
  const next = epochFrom(e.epoch + 1, nextChainKey(e.chain))
  e.chain.fill(0)
  return next
}

function checkOptions(o: CipherOptions): void {
  if (!Number.isFinite(o.rotateMs) || o.rotateMs < 1000)
    throw new CodecBadOptions(`cipher.rotateMs ${o.rotateMs} (>= 1000)`)
  if (!Number.isFinite(o.graceMs) || o.graceMs < 0) throw new CodecBadOptions(`cipher.graceMs ${o.graceMs}`)
  if (!Number.isInteger(o.maxFramesPerEpoch) || o.maxFramesPerEpoch < 1)
    throw new CodecBadOptions(`cipher.maxFramesPerEpoch ${o.maxFramesPerEpoch}`)
}

/** One session's encryption state: a send chain and a receive chain. Not shared between sessions. */
export class SessionCipher {
  readonly options: Readonly<CipherOptions>
  private readonly sendDir: number
  private readonly recvDir: number
  private send: Epoch
  private sendStartedAt: number
  private sendFrames = 0
  private sendCounter = 0
  private recv: Epoch
  private prev: Epoch | null = null
  private prevUntil = 0
  private recvMax = -1
  private recvWindow = 0
  private destroyed = false

  /**
   * @param sendChain chain key of epoch 0 for what this side sends
   * @param recvChain chain key of epoch 0 for what it receives
   */
  constructor(role: CipherRole, sendChain: Buffer, recvChain: Buffer, options: Partial<CipherOptions> = {}) {
    const o: CipherOptions = { ...defaultCipherOptions, clock: systemClock, ...options }
    checkOptions(o)
    this.options = Object.freeze(o)
    this.sendDir = role === 'client' ? 0 : 1
    this.recvDir = 1 - this.sendDir
    this.send = epochFrom(0, Buffer.from(sendChain))
    this.recv = epochFrom(0, Buffer.from(recvChain))
    this.sendStartedAt = o.clock.monotonic()
  }

  /** Epoch this side seals with now. */
  get sendEpoch(): number {
    return this.send.epoch
  }

  /** Newest epoch this side has received. */
  get recvEpoch(): number {
    return this.recv.epoch
  }

  /** Encrypt a body; `aad` is the frame header (see {@link frameAad}). */
  seal(aad: Uint8Array, plaintext: Uint8Array): Buffer {
    if (this.destroyed) throw new CodecDecryptFailed('cipher destroyed')
    const now = this.options.clock.monotonic()
    if (
      now - this.sendStartedAt >= this.options.rotateMs ||
      this.sendFrames >= this.options.maxFramesPerEpoch
    ) {
      this.send = advance(this.send)
      this.sendStartedAt = now
      this.sendFrames = 0
    }
    const counter = this.sendCounter++
    if (counter >= MAX_COUNTER) throw new CodecBadOptions('frame counter exhausted; reconnect')
    this.sendFrames++
    const out = Buffer.allocUnsafe(SEALED_OVERHEAD + plaintext.length)
    out[0] = this.send.epoch & 0xff
    out.writeUInt32BE(Math.floor(counter / 2 ** 32), 1)
    out.writeUInt32BE(counter >>> 0, 5)
    const c = createCipheriv('aes-256-gcm', this.send.key, nonce(this.sendDir, out), GCM_OPTIONS)
    c.setAAD(aad)
    let n = 9 + c.update(plaintext).copy(out, 9)
    // GCM is a stream mode: final() only computes the tag (no bytes left over).
    n += c.final().copy(out, n)
    c.getAuthTag().copy(out, n)
    return out
  }

  /** Decrypt a sealed body; throws CODEC_DECRYPT_FAILED or CODEC_REPLAY. */
  open(aad: Uint8Array, sealed: Uint8Array): Buffer {
    if (this.destroyed) throw new CodecDecryptFailed('cipher destroyed')
    if (sealed.length < SEALED_OVERHEAD)
      throw new CodecDecryptFailed(`sealed body is ${sealed.length} bytes, shorter than ${SEALED_OVERHEAD}`)
    const buf = Buffer.isBuffer(sealed)
      ? sealed
      : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length)
    const hi = buf.readUInt32BE(1)
    if (hi >= MAX_COUNTER / 2 ** 32) throw new CodecDecryptFailed('frame counter out of range')
    const counter = hi * 2 ** 32 + buf.readUInt32BE(5)
    const now = this.options.clock.monotonic()
    if (this.prev && now >= this.prevUntil) this.dropPrevious()

    const wire = buf[0]!
    let epoch: Epoch
    let adopt = false
    if (wire === (this.recv.epoch & 0xff)) epoch = this.recv
    else if (wire === ((this.recv.epoch + 1) & 0xff)) {
      epoch = epochFrom(this.recv.epoch + 1, nextChainKey(this.recv.chain))
      adopt = true
    } else if (this.prev && wire === (this.prev.epoch & 0xff)) epoch = this.prev
    else throw new CodecDecryptFailed(`key epoch ${wire} is not current (${this.recv.epoch & 0xff}) or next`)

    const shift = this.replayCheck(counter)
    let plain: Buffer
    try {
      const d = createDecipheriv('aes-256-gcm', epoch.key, nonce(this.recvDir, buf), GCM_OPTIONS)
      d.setAAD(aad)
      d.setAuthTag(buf.subarray(buf.length - TAG_BYTES))
      const body = d.update(buf.subarray(9, buf.length - TAG_BYTES))
      const tail = d.final()
      plain = tail.length === 0 ? body : Buffer.concat([body, tail])
    } catch (err) {
      if (adopt) epoch.chain.fill(0)
      throw CodecDecryptFailed.with(
        { cause: err },
        'authentication failed (wrong key, tampered or truncated)',
      )
    }
    this.replayCommit(counter, shift)
    if (adopt) {
      // Only an authenticated frame moves the receive chain forward. The
      // old epoch keeps its key (grace) but not its chain key.
      this.dropPrevious()
      this.recv.chain.fill(0)
      this.prev = this.recv
      this.prevUntil = now + this.options.graceMs
      this.recv = epoch
    }
    return plain
  }

  /** Forget every key (the session is closing). Further use throws. */
  destroy(): void {
    this.destroyed = true
    this.send.chain.fill(0)
    this.recv.chain.fill(0)
    this.dropPrevious()
  }

  private dropPrevious(): void {
    this.prev?.chain.fill(0)
    this.prev = null
  }

  /** Sliding window over the last {@link REPLAY_WINDOW} counters; returns how far the window moves. */
  private replayCheck(counter: number): number {
    if (counter > this.recvMax) return counter - this.recvMax
    const age = this.recvMax - counter
    if (age >= REPLAY_WINDOW || (this.recvWindow & (1 << age)) !== 0) throw new CodecReplay(counter)
    return 0
  }

  private replayCommit(counter: number, shift: number): void {
    if (shift > 0) {
      this.recvWindow = shift >= REPLAY_WINDOW ? 1 : ((this.recvWindow << shift) | 1) >>> 0
      this.recvMax = counter
    } else this.recvWindow = (this.recvWindow | (1 << (this.recvMax - counter))) >>> 0
  }
}

function nonce(dir: number, sealed: Buffer): Buffer {
  const n = NONCE_SCRATCH
  n[0] = dir
  n[1] = 0
  n[2] = 0
  n[3] = 0
  sealed.copy(n, 4, 1, 9)
  return n
}

export interface SessionCipherInit {
  role: CipherRole
  /** This side's X25519 pair (its public half went in the handshake). */
  keyPair: KeyPair
  /** The peer's raw public key from the handshake. */
  peerPublicKey: Uint8Array
  /** Handshake.nonce and HandshakeOk.nonce. */
  clientNonce: Uint8Array
  serverNonce: Uint8Array
  options?: Partial<CipherOptions>
}

/** Run the key agreement and build the session's cipher. */
export function createSessionCipher(init: SessionCipherInit): SessionCipher {
  const { cipher, resumeKey } = createSessionKeys(init)
  resumeKey.fill(0)
  return cipher
}

/** The key agreement's products: the session cipher and the one-use key of the sealed resume token. */
export function createSessionKeys(init: SessionCipherInit): { cipher: SessionCipher; resumeKey: Buffer } {
  const secret = sharedSecret(init.keyPair, init.peerPublicKey)
  const chains = initialChainKeys(secret, init.clientNonce, init.serverNonce)
  const resumeKey = resumeTokenKey(secret, init.clientNonce, init.serverNonce)
  secret.fill(0)
  const client = init.role === 'client'
  const cipher = new SessionCipher(
    init.role,
    client ? chains.clientToServer : chains.serverToClient,
    client ? chains.serverToClient : chains.clientToServer,
    init.options,
  )
  chains.clientToServer.fill(0)
  chains.serverToClient.fill(0)
  return { cipher, resumeKey }
}

/**
 * Seal and open whole frames with a session's cipher: what the net session
 * runs on every frame, control frames included, once a handshake negotiated
 * `seal_all` (the net layer's FrameSealer). The AAD is the final header.
 */
export function cipherSealer(cipher: SessionCipher): {
  seal(flags: number, msgId: number, reqId: number, body: Uint8Array): { flags: number; body: Uint8Array }
  open(flags: number, msgId: number, reqId: number, body: Uint8Array): Uint8Array
  destroy(): void
} {
  return {
    seal(flags, msgId, reqId, body) {
      const f = flags | FrameFlag.ENCRYPTED
      return { flags: f, body: cipher.seal(frameAadScratch(f, msgId, reqId), body) }
    },
    open(flags, msgId, reqId, body) {
      if ((flags & FrameFlag.ENCRYPTED) === 0) throw new CodecPlaintextRefused(msgId)
      return cipher.open(frameAadScratch(flags, msgId, reqId), body)
    },
    destroy: () => cipher.destroy(),
  }
}
