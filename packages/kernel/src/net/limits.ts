import { z } from 'zod'
import { NetBadLimits } from './errors.js'

export type SessionType = 'client' | 'service' | 'admin'
export const SESSION_TYPES: readonly SessionType[] = ['client', 'service', 'admin']

/** Limits of one session type. Sizes in bytes, durations in ms, rates per second (0 = unlimited). */
export interface SessionLimits {
  /** Stacks this session type may listen or connect on. */
  stacks: string[]
  /** Largest frame (header + body, no length prefix) once authenticated. */
  maxFrameBytes: number
  /** Largest frame until {@link Session.markAuthenticated}. */
  preAuthMaxFrameBytes: number
  /** A session not authenticated within this is closed (0 = no deadline). */
  handshakeTimeoutMs: number
  /** A connecting side sends a heartbeat when it has sent nothing for this long (0 = never). */
  heartbeatIntervalMs: number
  /** A session that received nothing for this long is closed (0 = never). */
  idleTimeoutMs: number
  /** Inbound message token bucket: refill per second and burst (0 = unlimited). */
  msgRatePerSec: number
  msgBurst: number
  /** Above this many outbound bytes waiting, droppable messages (broadcasts) are dropped. */
  outboundSoftBytes: number
  /** A session whose outbound backlog would pass this is closed (NET_OUTBOUND_OVERFLOW). */
  outboundHardBytes: number
  /** Inbound messages waiting for an async handler; reading pauses at this length. */
  inboundQueueMax: number
  /** Drop inbound messages past `inboundQueueMax` (client) or keep them all (service). */
  dropInboundOverflow: boolean
  /** Bad messages (unknown id, bad header) tolerated before the session is closed. */
  maxBadMessages: number
  /**
   * A frame whose first bytes arrived must be complete within this (0 = no
   * deadline): a peer dripping a frame is cut (NET_FRAME_TIMEOUT) however
   * often it finishes one. Checked on the sweep, so up to `sweepIntervalMs` late.
   */
  frameTimeoutMs: number
}

export interface NetLimits {
  client: SessionLimits
  service: SessionLimits
  admin: SessionLimits
  /** New connections per source IP: refill per second and burst (0 = unlimited). */
  acceptRatePerSec: number
  acceptBurst: number
  /** Per-IP accept buckets tracked at most; full buckets are swept first. */
  acceptTrackedIps: number
  /** Pending connections (HTTP request or WS upgrade not finished) are cut after this. */
  upgradeTimeoutMs: number
  /**
   * HTTP: how long a route may take to answer a whole request (503 past it).
   * It replaces the idle backstop while the route works, so a request that
   * waits server-side (a queued password hash) is not cut as an idle socket.
   */
  httpHandlerTimeoutMs: number
  /** HTTP: header count kept and total header bytes accepted (431 past it). */
  httpMaxHeadersCount: number
  httpMaxHeaderBytes: number
  /** Above this many bytes in the socket, outbound frames wait in the session's lanes. */
  writeHighWaterBytes: number
  /** How long a graceful close waits for queued bytes before destroying. */
  closeGraceMs: number
  /** Period of the sweep that enforces handshake, idle and heartbeat deadlines. */
  sweepIntervalMs: number
  /**
   * Connections (sessions and sockets still in their HTTP request or upgrade)
   * one source IP may hold (0 = unlimited). At the cap, a new connection
   * first evicts the IP's oldest pending one; with none pending it is
   * refused (NET_IP_LIMIT).
   */
  maxConnectionsPerIp: number
  /** The same for the whole server (NET_NODE_LIMIT). */
  maxConnections: number
  /**
   * Pending connections (no complete first frame or HTTP request yet) one IP
   * may hold; past it its oldest pending one is cut (NET_PENDING_EVICTED),
   * so an abusive neighbour behind the same NAT cannot keep a prompt client out.
   */
  maxPendingPerIp: number
  /** Pending connections of the whole server; past it the oldest is cut. */
  maxPending: number
  /**
   * A connection over its IP's accept rate is admitted on probation: it must
   * send a complete first frame (or HTTP request) within this, or it is cut
   * (NET_PROBATION_TIMEOUT), and probation connections are evicted first.
   */
  probationMs: number
}

/** All net defaults, in one place. */
export function defaultNetLimits(): NetLimits {
  return {
    client: {
      stacks: ['tcp', 'ws', 'http', 'auto', 'tls', 'wss', 'https', 'auto+tls'],
      maxFrameBytes: 256 * 1024,
      preAuthMaxFrameBytes: 4 * 1024,
      handshakeTimeoutMs: 10_000,
      heartbeatIntervalMs: 15_000,
      idleTimeoutMs: 45_000,
      msgRatePerSec: 100,
      msgBurst: 200,
      outboundSoftBytes: 256 * 1024,
      outboundHardBytes: 2 * 1024 * 1024,
      inboundQueueMax: 64,
      dropInboundOverflow: true,
      maxBadMessages: 16,
      frameTimeoutMs: 10_000,
    },
    service: {
      stacks: ['tcp'],
      maxFrameBytes: 16 * 1024 * 1024,
      preAuthMaxFrameBytes: 64 * 1024,
      handshakeTimeoutMs: 10_000,
      heartbeatIntervalMs: 5_000,
      idleTimeoutMs: 20_000,
      msgRatePerSec: 0,
      msgBurst: 0,
      outboundSoftBytes: 64 * 1024 * 1024,
      outboundHardBytes: 512 * 1024 * 1024,
      inboundQueueMax: 10_000,
      dropInboundOverflow: false,
      maxBadMessages: 1000,
      frameTimeoutMs: 60_000,
    },
    admin: {
      stacks: ['http', 'ws', 'auto', 'https', 'wss', 'auto+tls'],
      maxFrameBytes: 1024 * 1024,
      preAuthMaxFrameBytes: 4 * 1024,
      handshakeTimeoutMs: 10_000,
      heartbeatIntervalMs: 15_000,
      idleTimeoutMs: 60_000,
      msgRatePerSec: 50,
      msgBurst: 100,
      outboundSoftBytes: 1024 * 1024,
      outboundHardBytes: 8 * 1024 * 1024,
      inboundQueueMax: 64,
      dropInboundOverflow: true,
      maxBadMessages: 16,
      frameTimeoutMs: 30_000,
    },
    acceptRatePerSec: 50,
    acceptBurst: 100,
    acceptTrackedIps: 100_000,
    upgradeTimeoutMs: 10_000,
    httpHandlerTimeoutMs: 30_000,
    httpMaxHeadersCount: 64,
    httpMaxHeaderBytes: 16 * 1024,
    writeHighWaterBytes: 64 * 1024,
    closeGraceMs: 2_000,
    sweepIntervalMs: 1_000,
    maxConnectionsPerIp: 2_000,
    maxConnections: 120_000,
    maxPendingPerIp: 1024,
    maxPending: 20_000,
    probationMs: 2_000,
  }
}

const int = (min: number) => z.number().int().min(min)
const MAX_FRAME = 0x40000000 // 1 GiB: keeps the first byte of a TCP length < 0x41, see auto stack

const sessionSchema = z
  .object({
    stacks: z.array(z.string().min(1)).min(1),
    maxFrameBytes: int(16).max(MAX_FRAME),
    preAuthMaxFrameBytes: int(16).max(MAX_FRAME),
    handshakeTimeoutMs: int(0),
    heartbeatIntervalMs: int(0),
    idleTimeoutMs: int(0),
    msgRatePerSec: int(0),
    msgBurst: int(0),
    outboundSoftBytes: int(0),
    outboundHardBytes: int(1),
    inboundQueueMax: int(1),
    dropInboundOverflow: z.boolean(),
    maxBadMessages: int(0),
    frameTimeoutMs: int(0),
  })
  .strict()
  .refine((s) => s.preAuthMaxFrameBytes <= s.maxFrameBytes, 'preAuthMaxFrameBytes must be <= maxFrameBytes')
  .refine((s) => s.outboundSoftBytes <= s.outboundHardBytes, 'outboundSoftBytes must be <= outboundHardBytes')
  .refine((s) => s.msgRatePerSec === 0 || s.msgBurst >= 1, 'msgBurst must be >= 1 when msgRatePerSec is set')

const limitsSchema = z
  .object({
    client: sessionSchema,
    service: sessionSchema,
    admin: sessionSchema,
    acceptRatePerSec: int(0),
    acceptBurst: int(0),
    acceptTrackedIps: int(1),
    upgradeTimeoutMs: int(1),
    httpHandlerTimeoutMs: int(1),
    httpMaxHeadersCount: int(1),
    httpMaxHeaderBytes: int(1024),
    writeHighWaterBytes: int(16 * 1024), // >= the socket's own high-water mark, so 'drain' is sure to fire
    closeGraceMs: int(0),
    sweepIntervalMs: int(1),
    maxConnectionsPerIp: int(0),
    maxConnections: int(0),
    maxPendingPerIp: int(1),
    maxPending: int(1),
    probationMs: int(1),
  })
  .strict()

export type NetLimitsInput = Partial<Omit<NetLimits, SessionType>> & {
  [K in SessionType]?: Partial<SessionLimits>
}

/**
 * Overlay `input` on {@link defaultNetLimits}, validate (every bad key is
 * listed in one NET_BAD_LIMITS error) and deep-freeze the result.
 */
export function resolveNetLimits(input: NetLimitsInput = {}): Readonly<NetLimits> {
  const d = defaultNetLimits()
  const merged = {
    ...d,
    ...input,
    client: { ...d.client, ...input.client },
    service: { ...d.service, ...input.service },
    admin: { ...d.admin, ...input.admin },
  }
  const r = limitsSchema.safeParse(merged)
  if (!r.success) {
    const list = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
    throw NetBadLimits.with({ details: { issues: r.error.issues } }, list)
  }
  for (const t of SESSION_TYPES) Object.freeze(Object.freeze(merged[t]).stacks)
  return Object.freeze(merged as NetLimits)
}
