import { appConfigSchema } from '@tessera/kernel'
import { storageConfigSchema } from '@tessera/storage'
import { z } from 'zod'
import { chatConfigSchema } from './features/chat/chat-config.js'

export const logicConfigSchema = appConfigSchema.extend({
  logic: z
    .strictObject({
      /** Cluster-unique id of this logic service (gateways map shards to it). */
      serviceId: z.number().int().min(1).default(1),
      /** How often each logic service pings the other logic services (0 = never). */
      peerPingMs: z.number().int().min(0).default(2000),
      /** How long a dropped player session waits for its client to resume. */
      resumeGraceMs: z.number().int().positive().default(30_000),
      /** Bytes of unacknowledged frames a session keeps; past it the session ends (KICK_SLOW_CONSUMER). */
      maxReplayBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /** Acknowledge client frames every N... */
      ackEvery: z.number().int().positive().default(16),
      /** ...or this long after the first unacknowledged one. */
      ackDelayMs: z.number().int().positive().default(100),
      /**
       * Service ids of the logic slots, in slot order: the same list as the
       * gateways' `gateway.logicSlots` (logic finds the home of any player
       * and the owner of a chat channel with it). Default: this service alone.
       */
      slots: z.array(z.number().int().min(1)).min(1).optional(),
      /** Hash shards over the slots: the gateways' `gateway.shards`. */
      shards: z.number().int().min(1).default(4096),
      /**
       * This logic was added to a running cluster (docs/operations.md): it
       * holds only the shards the center's table moves to it, so its
       * service id need not be in `slots` (which then stays the cluster's
       * original list, the same as every other logic's).
       */
      added: z.boolean().default(false),
      /** How often the center's shard table is asked for (it is also pushed on every change). */
      shardRefreshMs: z.number().int().positive().default(5000),
      /** Longest one step of a shard move may take (the hand-off, a fence batch, the end). */
      shardMoveStepMs: z.number().int().positive().default(60_000),
      /** The icon catalogue pushed to clients (features/catalogue). */
      catalogue: z
        .strictObject({
          /** Database holding the rows `tessera-icons apply` writes (tables icon, icon_catalogue), on the storage's server. */
          database: z.string().min(1).max(64).default('catalogue'),
          /** How often to look for a changed catalogue (one one-row SELECT); 0 = read once at start. */
          pollMs: z.number().int().min(0).default(2000),
          /** PNG and text bytes per CatalogueUpdate part. */
          partBytes: z
            .number()
            .int()
            .min(1024)
            .default(128 * 1024),
        })
        .prefault({}),
    })
    .superRefine((v, ctx) => {
      if (v.slots !== undefined && !v.added && !v.slots.includes(v.serviceId))
        ctx.addIssue({
          code: 'custom',
          path: ['slots'],
          message: `this logic's serviceId ${v.serviceId} is not in logic.slots [${v.slots.join(', ')}]`,
        })
    })
    .prefault({}),
  chat: chatConfigSchema,
  storage: storageConfigSchema,
  /** Daily sign-in reward and task counters, reset by the calendar (features/daily). */
  daily: z
    .strictObject({
      /** Coins granted at the first sign-in of each game day. */
      signInCoins: z.number().int().min(0).max(1_000_000).default(100),
      /** Ids of the daily tasks a TaskProgress may count. */
      tasks: z.array(z.number().int().min(1).max(0xffff)).max(64).default([1, 2, 3]),
      /** Largest amount one TaskProgress may add. */
      maxProgress: z.number().int().min(1).max(1_000_000).default(100),
    })
    .prefault({}),
  /** Durable timers stored with the player (features/timers). */
  timers: z
    .strictObject({
      /** Pending timers one player may hold. */
      maxPerPlayer: z.number().int().min(1).max(1024).default(32),
      /** Longest delay of a timer (default 30 days). */
      maxDelayMs: z
        .number()
        .int()
        .positive()
        .default(30 * 24 * 3600 * 1000),
    })
    .prefault({}),
  /**
   * Tests of real processes only: the wall clock of this process runs
   * `offsetMs` ahead (or behind) from start. Refused at start unless
   * NODE_ENV is `test` (see test-clock.ts).
   */
  testClock: z.strictObject({ offsetMs: z.number().int().default(0) }).prefault({}),
})

export type LogicConfig = z.output<typeof logicConfigSchema>
