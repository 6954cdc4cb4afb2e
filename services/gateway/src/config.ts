import { appConfigSchema, ENCRYPTION_MODES, memoryGuardConfigSchema, tlsConfigSchema } from '@tessera/kernel'
import { z } from 'zod'

export const gatewayConfigSchema = appConfigSchema.extend({
  gateway: z
    .strictObject({
      /** Service id of the first gateway process; worker i gets serviceId + i. */
      serviceId: z.number().int().min(1).default(200),
      /**
       * Processes sharing the client ports (node:cluster; new connections
       * spread round-robin). 0 = this process serves them itself.
       */
      workers: z.number().int().min(0).max(256).default(0),
      /** Certificates for the TLS client ports (`tls://`, `wss://`, `https://`, `auto+tls://`). */
      tls: tlsConfigSchema.optional(),
      /** Client ports with their stacks (`tcp://`, `ws://`, `auto://`, `http://`, and their TLS twins). */
      listen: z.array(z.string().min(1)).min(1).default(['tcp://127.0.0.1:3900', 'ws://127.0.0.1:3901']),
      /** Addresses clients are told (login's hand-off); default: the bound listen addresses. */
      advertise: z.array(z.string().min(1)).optional(),
      /** Service ids of the logic slots, in slot order; the same list on every gateway. */
      logicSlots: z.array(z.number().int().min(1)).min(1).default([1]),
      /** Hash shards over the slots (fixed for the life of the cluster). */
      shards: z.number().int().min(1).default(4096),
      /** How often the center's shard table is asked for (it is also pushed on every change). */
      shardRefreshMs: z.number().int().positive().default(5000),
      /** Longest a bind or resume waits for its player's shard to finish moving (then WIRE_UNAVAILABLE). */
      shardHoldMs: z.number().int().positive().default(30_000),
      /**
       * Client encryption: 'sealed' refuses clients that do not seal every
       * frame (encryption + seal_all, EDGE_SEAL_REQUIRED), 'required' refuses
       * clients without encryption, 'optional' uses it when offered, 'off'.
       */
      encryption: z.enum(ENCRYPTION_MODES).default('optional'),
      /** Per stack (`tcp`, `ws`, `auto`, `tls`, `wss`, ...): overrides `encryption` on its ports. */
      encryptionByStack: z.record(z.string(), z.enum(ENCRYPTION_MODES)).optional(),
      compression: z.boolean().default(true),
      /**
       * Ed25519 private key (PKCS#8 PEM file, `tessera-keygen ed25519`) that signs
       * every encrypted handshake; clients built with its public key refuse
       * anyone else (docs/protocol.md, "Server authentication"). Unset: unsigned.
       */
      signingKeyFile: z.string().min(1).optional(),
      /** Key epoch length, ms. */
      keyRotateMs: z.number().int().min(1000).default(600_000),
      /** Oldest client version accepted ('1.2.0'). Default: any. */
      minClientVersion: z.string().optional(),
      /** Client messages per second per connection before it is cut (KICK_FLOOD); 0 = no limit. */
      clientMsgRatePerSec: z.number().int().min(0).default(100),
      /**
       * Heartbeat interval the gateway gives clients in HandshakeOk, and the
       * silence after which either side drops the connection: how fast a
       * client notices a dead gateway or network path and resumes elsewhere.
       */
      clientHeartbeatMs: z.number().int().min(100).default(15_000),
      clientIdleTimeoutMs: z.number().int().min(300).default(45_000),
      /** New connections per second per source address before they come in on probation; 0 = no limit. */
      acceptRatePerSec: z.number().int().min(0).default(50),
      /** Connections one source address may hold (NET_IP_LIMIT past it); 0 = no limit. */
      maxConnectionsPerIp: z.number().int().min(0).default(2000),
      /** Connections this process may hold (NET_NODE_LIMIT past it); 0 = no limit. */
      maxConnections: z.number().int().min(0).default(120_000),
      /** Connections of one address without a first frame yet; past it the oldest is cut. */
      maxPendingPerIp: z.number().int().min(1).default(1024),
      /** How often the connection count is reported to the center as this gateway's load. */
      loadReportMs: z.number().int().positive().default(1000),
      /** How often the whole session list goes to login (SessionReport full). */
      sessionReportMs: z.number().int().positive().default(60_000),
      /**
       * Past these memory figures the gateway refuses new sessions
       * (WIRE_OVERLOADED) until back under resumeRatio of them; sessions it
       * holds and their resumes go on (docs/operations.md, "Memory guard").
       * Default: heap at 85% of the V8 heap limit, no RSS threshold.
       */
      memoryGuard: memoryGuardConfigSchema.prefault({}),
    })
    .prefault({}),
})

export type GatewayConfig = z.output<typeof gatewayConfigSchema>
