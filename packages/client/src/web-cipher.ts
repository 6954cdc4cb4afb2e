// Frame encryption with WebCrypto, byte for byte what the kernel's codec
// does with node:crypto (docs/protocol.md, "Encryption"):
//   chain_c2s = HKDF-SHA256(ikm = X25519 secret, salt = client nonce ‖ server nonce, info "tessera/1 chain c2s")
//   chain_s2c = same with info "tessera/1 chain s2c"
//   key(e)    = HKDF(chain(e), salt empty, info "tessera/1 key");  chain(e+1) = HKDF(chain(e), empty, "tessera/1 next")
//   sealed    = epoch (1 byte) ‖ counter (8 BE) ‖ AES-256-GCM(ciphertext ‖ 16-byte tag)
//   nonce     = direction (0 c2s, 1 s2c) ‖ 00 00 00 ‖ counter;  AAD = the 10-byte frame header

const enc = new TextEncoder()
const INFO = {
  c2s: enc.encode('tessera/1 chain c2s'),
  s2c: enc.encode('tessera/1 chain s2c'),
  key: enc.encode('tessera/1 key'),
  next: enc.encode('tessera/1 next'),
  resume: enc.encode('tessera/1 resume token'),
}
const EMPTY = new Uint8Array(0)
const OVERHEAD = 1 + 8 + 16
const REPLAY_WINDOW = 32

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new Error('WebCrypto is not available')
  return s
}

async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', ikm as BufferSource, 'HKDF', false, ['deriveBits'])
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: salt as BufferSource, info: info as BufferSource },
    k,
    256,
  )
  return new Uint8Array(bits)
}

interface Epoch {
  epoch: number
  chain: Uint8Array
  key: CryptoKey
}

async function epochFrom(epoch: number, chain: Uint8Array): Promise<Epoch> {
  const raw = await hkdf(chain, EMPTY, INFO.key)
  const key = await subtle().importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt'])
  raw.fill(0)
  return { epoch, chain, key }
}

async function nextEpoch(e: Epoch): Promise<Epoch> {
  return epochFrom(e.epoch + 1, await hkdf(e.chain, EMPTY, INFO.next))
}

function nonce(dir: number, sealed: Uint8Array): Uint8Array {
  const n = new Uint8Array(12)
  n[0] = dir
  n.set(sealed.subarray(1, 9), 4)
  return n
}

/** True when this runtime's WebCrypto can do X25519 (Chromium 133+, Node 20, Firefox 130+). */
export async function webCryptoSupportsX25519(): Promise<boolean> {
  try {
    await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits'])
    return true
  } catch {
    return false
  }
}

/** The client's half of the key agreement, made before the handshake. */
export class ClientKeyExchange {
  private constructor(
    private readonly pair: CryptoKeyPair,
    readonly publicKey: Uint8Array,
    readonly nonce: Uint8Array,
  ) {}

  static async create(): Promise<ClientKeyExchange> {
    const pair = (await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair
    const pub = new Uint8Array(await subtle().exportKey('raw', pair.publicKey))
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(32))
    return new ClientKeyExchange(pair, pub, nonce)
  }

  /** Finish with HandshakeOk's key and nonce. */
  async cipher(serverPublic: Uint8Array, serverNonce: Uint8Array, rotateMs: number): Promise<WebCipher> {
    return (await this.agree(serverPublic, serverNonce, rotateMs)).cipher
  }

  /**
   * Finish the key agreement: the connection's cipher, and a function that
   * opens HandshakeOk.resume_token_sealed (AES-256-GCM, nonce 0, under
   * HKDF(shared, nonces, "tessera/1 resume token")).
   */
  async agree(
    serverPublic: Uint8Array,
    serverNonce: Uint8Array,
    rotateMs: number,
  ): Promise<{ cipher: WebCipher; openResumeToken(sealed: Uint8Array): Promise<string> }> {
    if (serverPublic.length !== 32) throw new Error(`server public key is ${serverPublic.length} bytes`)
    if (serverNonce.length < 16) throw new Error(`server nonce is ${serverNonce.length} bytes`)
    const peer = await subtle().importKey('raw', serverPublic as BufferSource, { name: 'X25519' }, false, [])
    const secret = new Uint8Array(
      await subtle().deriveBits(
        { name: 'X25519', public: peer } as AlgorithmIdentifier,
        this.pair.privateKey,
        256,
      ),
    )
    if (secret.every((b) => b === 0)) throw new Error('server public key is a low-order point')
    const salt = new Uint8Array(this.nonce.length + serverNonce.length)
    salt.set(this.nonce)
    salt.set(serverNonce, this.nonce.length)
    const [c2s, s2c, resume] = await Promise.all([
      hkdf(secret, salt, INFO.c2s),
      hkdf(secret, salt, INFO.s2c),
      hkdf(secret, salt, INFO.resume),
    ])
    secret.fill(0)
    const [send, recv] = await Promise.all([epochFrom(0, c2s), epochFrom(0, s2c)])
    const resumeKey = await subtle().importKey('raw', resume as BufferSource, 'AES-GCM', false, ['decrypt'])
    resume.fill(0)
    return {
      cipher: new WebCipher(send, recv, rotateMs),
      openResumeToken: async (sealed) =>
        new TextDecoder().decode(
          await subtle().decrypt(
            { name: 'AES-GCM', iv: new Uint8Array(12) as BufferSource, tagLength: 128 },
            resumeKey,
            sealed as BufferSource,
          ),
        ),
    }
  }
}

/**
 * A connection's encryption state. seal/open are async (WebCrypto); callers
 * run them in frame order (the client chains them), which the counters and
 * key epochs rely on.
 */
export class WebCipher {
  private sendStartedAt = Date.now()
  private sendCounter = 0
  private prev: Epoch | null = null
  private prevUntil = 0
  private recvMax = -1
  private recvWindow = 0

  constructor(
    private send: Epoch,
    private recv: Epoch,
    private readonly rotateMs: number,
    private readonly graceMs = 30_000,
  ) {}

  get sendEpoch(): number {
    return this.send.epoch
  }

  get recvEpoch(): number {
    return this.recv.epoch
  }

  async seal(aad: Uint8Array, plain: Uint8Array): Promise<Uint8Array> {
    const now = Date.now()
    if (this.rotateMs > 0 && now - this.sendStartedAt >= this.rotateMs) {
      this.send = await nextEpoch(this.send)
      this.sendStartedAt = now
    }
    const counter = this.sendCounter++
    const head = new Uint8Array(9)
    head[0] = this.send.epoch & 0xff
    const v = new DataView(head.buffer)
    v.setUint32(1, Math.floor(counter / 2 ** 32))
    v.setUint32(5, counter >>> 0)
    const ct = new Uint8Array(
      await subtle().encrypt(
        {
          name: 'AES-GCM',
          iv: nonce(0, head) as BufferSource,
          additionalData: aad as BufferSource,
          tagLength: 128,
        },
        this.send.key,
        plain as BufferSource,
      ),
    )
    const out = new Uint8Array(9 + ct.length)
    out.set(head)
    out.set(ct, 9)
    return out
  }

  async open(aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < OVERHEAD) throw new Error(`sealed body is ${sealed.length} bytes`)
    const v = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength)
    const counter = v.getUint32(1) * 2 ** 32 + v.getUint32(5)
    const now = Date.now()
    if (this.prev && now >= this.prevUntil) this.prev = null
    const wire = sealed[0]!
    let epoch: Epoch
    let adopt = false
    if (wire === (this.recv.epoch & 0xff)) epoch = this.recv
    else if (wire === ((this.recv.epoch + 1) & 0xff)) {
      epoch = await nextEpoch(this.recv)
      adopt = true
    } else if (this.prev && wire === (this.prev.epoch & 0xff)) epoch = this.prev
    else throw new Error(`key epoch ${wire} is neither current nor next`)
    if (counter <= this.recvMax) {
      const age = this.recvMax - counter
      if (age >= REPLAY_WINDOW || (this.recvWindow & (1 << age)) !== 0)
        throw new Error(`frame counter ${counter} replayed`)
    }
    const plain = new Uint8Array(
      await subtle().decrypt(
        {
          name: 'AES-GCM',
          iv: nonce(1, sealed) as BufferSource,
          additionalData: aad as BufferSource,
          tagLength: 128,
        },
        epoch.key,
        sealed.subarray(9) as BufferSource,
      ),
    )
    if (counter > this.recvMax) {
      const shift = counter - this.recvMax
      this.recvWindow = shift >= REPLAY_WINDOW ? 1 : ((this.recvWindow << shift) | 1) >>> 0
      this.recvMax = counter
    } else this.recvWindow = (this.recvWindow | (1 << (this.recvMax - counter))) >>> 0
    if (adopt) {
      this.prev = this.recv
      this.prevUntil = now + this.graceMs
      this.recv = epoch
    }
    return plain
  }
}
