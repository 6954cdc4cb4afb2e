import type { KeyObject } from 'node:crypto'
import type { BodyRegistry, CompressionOptions } from '../codec/index.js'
import type { TesseraError } from '../errors/index.js'
import type { Version } from '../id/index.js'
import type { NetLogger } from '../net/index.js'
import type { Clock } from '../timer/clock.js'
import type { Scheduler } from '../timer/scheduler.js'
import type { EdgeSession } from './edge-session.js'
import type { EncryptionMode } from './handshake-checks.js'
import type { VerifyToken } from './hmac-token.js'

/** A game message handler: return the response body (requests) or nothing (notifications). */
export type EdgeHandlerFn<Req = unknown, Res = unknown> = (
  message: Req,
  ctx: { session: EdgeSession; reqId: number },
) => Res | Promise<Res>

export interface EdgeOptions {
  /** The generated server registry (`createRegistry()` of @tessera/protocol). */
  registry: BodyRegistry
  /** SCHEMA_HASH (hex) of the client-visible schema this server speaks. */
  schemaHash: string
  /** Login token check (see HmacTokens for the platform's signed tokens). */
  verifyToken: VerifyToken
  /** Oldest client version accepted (`'1.2.0'` or a Version). Default: any. */
  minClientVersion?: Version | string
  /** Sent in HandshakeOk for the client's logs. */
  serverVersion?: Version | string
  /** Offer deflate-raw (threshold, caps) or false. Default on, 512-byte threshold. */
  compression?: Partial<CompressionOptions> | false
  /**
   * 'sealed' refuses clients that do not negotiate encryption with seal_all
   * (EDGE_SEAL_REQUIRED); 'required' refuses clients without encryption;
   * 'optional' uses it when offered; 'off'. Default 'optional'.
   */
  encryption?: EncryptionMode
  /** Per stack (`tcp`, `ws`, `tls`, ...): overrides `encryption` on that stack's ports. */
  encryptionByStack?: Partial<Record<string, EncryptionMode>>
  /**
   * Ed25519 private key (PKCS#8 PEM or a KeyObject) the server signs its
   * handshake with; clients built with its public key refuse any other
   * server. `tools/keygen ed25519` makes one. Default: no signature.
   */
  signingKey?: string | Buffer | KeyObject
  /** Key epoch length, ms (>= 1000). Default 10 minutes. */
  keyRotateMs?: number
  /** Frames sealed per key epoch before rotating regardless of time (server → client). */
  maxFramesPerEpoch?: number
  /** How long a dropped session waits for its client to resume. Default 30 s. */
  resumeGraceMs?: number
  /** Bytes of unacknowledged outbound messages a session keeps; past it the session is released. Default 1 MiB. */
  maxReplayBytes?: number
  /**
   * Unacknowledged bytes all sessions together may hold (stalled readers);
   * past it a session holding more than `replayShareBytes` is released
   * (EDGE_NODE_REPLAY_FULL, Kick KICK_SLOW_CONSUMER). Default 256 MiB.
   */
  maxNodeReplayBytes?: number
  /** What a session may hold while the node is past `maxNodeReplayBytes`. Default 64 KiB. */
  replayShareBytes?: number
  /** Heartbeat period advertised to clients. Default 15 s. */
  heartbeatMs?: number
  /** Idle timeout advertised to clients (match the net limits). Default 45 s. */
  idleTimeoutMs?: number
  /** Acknowledge client messages every N... (default 16) */
  ackEvery?: number
  /** ...or after this delay (default 100 ms). */
  ackDelayMs?: number
  /** Client messages waiting for handlers per session before refusing (WIRE_RATE_LIMITED). Default 64. */
  maxInflight?: number
  /**
   * How long a handler may take, ms. Past it the client gets WIRE_TIMEOUT
   * (EDGE_HANDLER_TIMEOUT), the session goes on with its next message and the
   * late result is dropped (logged). 0 = wait forever. Default 10 s.
   */
  handlerTimeoutMs?: number
  logger?: NetLogger
  clock?: Clock
  /**
   * Runs the resume grace, the ack delay and the handler deadlines: the
   * service's `ctx.timers`, or a wheel on the test's ManualClock (default:
   * the process-wide systemTimers()).
   */
  timers?: Scheduler
  /** A session started (not on resume). */
  onSessionStart?(s: EdgeSession): void
  /** A session was released for good. */
  onSessionEnd?(s: EdgeSession, reason: TesseraError): void
}
