import {
  createRegistry,
  type MessageRegistry,
  SCHEMA_HASH,
  type Version,
  VersionStage,
} from '@tessera/protocol/client'
import { defaultReconnect, type ReconnectOptions } from './backoff.js'
import { parsePinnedKeys } from './server-auth.js'
import type { SocketFactory } from './socket.js'

export interface ClientOptions {
  /** How to open a socket (webSocketSocket, miniGameSocket, tcpSocket from `@tessera/client/node`). */
  socket: SocketFactory
  /** Login token, or a function returning a fresh one for every (re)connect. */
  token: string | (() => string | Promise<string>)
  /** This client build's version; the server refuses versions below its minimum. Default 1.0.0 release. */
  version?: Version
  /** Schema hash (hex) sent in the handshake. Default: the generated client SCHEMA_HASH. */
  schemaHash?: string
  /** Message types. Default: the generated client registry. */
  registry?: MessageRegistry
  /** Runtime tag for server logs ("web", "node", "wechat"). */
  clientKind?: string
  /** Offer encryption: true (required), false, or 'auto' (when WebCrypto has X25519). Default 'auto'. */
  encryption?: boolean | 'auto'
  /**
   * Ed25519 public keys (64 hex digits each, `tessera-keygen ed25519`) of
   * the servers this client accepts: the handshake must be signed by one of
   * them, which defeats a man in the middle on transports without TLS.
   * List two during a key rollover. Implies encryption. Default: none (no
   * server authentication beyond TLS, if used).
   */
  serverKeys?: readonly string[]
  /** Offer deflate-raw compression when the runtime has CompressionStream. Default true. */
  compression?: boolean
  /** Default request timeout. Default 10 s. */
  requestTimeoutMs?: number
  /** The whole connect + handshake must finish within this. Default 10 s. */
  connectTimeoutMs?: number
  /** Automatic reconnect and resume; false turns it off. */
  reconnect?: Partial<ReconnectOptions> | false
  /** Acknowledge after this many received messages... (default 16) */
  ackEvery?: number
  /** ...or this many ms after the first unacknowledged one (default 100). */
  ackDelayMs?: number
  /** Largest inflated body accepted. Default 1 MiB. */
  maxInflatedBytes?: number
  /** Unacknowledged outbound bytes kept for resend; past it, sends fail with CLIENT_OUTBOX_FULL. Default 4 MiB. */
  maxOutboxBytes?: number
}

export interface ResolvedClientOptions {
  socket: SocketFactory
  token: string | (() => string | Promise<string>)
  version: Version
  schemaHash: string
  registry: MessageRegistry
  clientKind: string
  encryption: boolean | 'auto'
  /** Pinned server keys, raw 32 bytes each (empty: none). */
  serverKeys: Uint8Array[]
  compression: boolean
  requestTimeoutMs: number
  connectTimeoutMs: number
  reconnect: ReconnectOptions
  ackEvery: number
  ackDelayMs: number
  maxInflatedBytes: number
  maxOutboxBytes: number
}

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  return {
    socket: o.socket,
    token: o.token,
    version: o.version ?? { major: 1, minor: 0, revision: 0, stage: VersionStage.STAGE_RELEASE },
    schemaHash: o.schemaHash ?? SCHEMA_HASH,
    registry: o.registry ?? createRegistry(),
    clientKind: o.clientKind ?? 'js',
    encryption: o.serverKeys?.length ? true : (o.encryption ?? 'auto'),
    serverKeys: parsePinnedKeys(o.serverKeys ?? []),
    compression: o.compression ?? true,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    reconnect:
      o.reconnect === false
        ? { ...defaultReconnect, enabled: false }
        : { ...defaultReconnect, ...o.reconnect },
    ackEvery: o.ackEvery ?? 16,
    ackDelayMs: o.ackDelayMs ?? 100,
    maxInflatedBytes: o.maxInflatedBytes ?? 1024 * 1024,
    maxOutboxBytes: o.maxOutboxBytes ?? 4 * 1024 * 1024,
  }
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}
