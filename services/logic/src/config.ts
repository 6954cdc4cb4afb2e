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
      if (v.slots !== undefined && !v.slots.includes(v.serviceId))
        ctx.addIssue({
          code: 'custom',
          path: ['slots'],
          message: `this logic's serviceId ${v.serviceId} is not in logic.slots [${v.slots.join(', ')}]`,
        })
    })
    .prefault({}),
  chat: chatConfigSchema,
  storage: storageConfigSchema,
})

export type LogicConfig = z.output<typeof logicConfigSchema>
