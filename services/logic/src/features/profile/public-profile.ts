import type { ServiceContext, ShardMap } from '@tessera/kernel'
import { type PublicProfile, PublicProfileLookup, PublicProfileLookupRes } from '@tessera/protocol'
import type { DbClient } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import type { PlayerRow } from '../../player/index.js'
import type { SessionHome } from '../../session/index.js'

/** The columns other players may see; the narrow SELECT reads only these. */
const PUBLIC_COLUMNS = '`nickname`, `level`, `avatar_icon_id`, `motto`'

export function toPublic(
  p: Pick<PlayerRow, 'id' | 'nickname' | 'level' | 'avatar_icon_id' | 'motto'>,
): PublicProfile {
  return {
    userId: p.id,
    nickname: p.nickname,
    level: p.level,
    avatarIconId: p.avatar_icon_id,
    ...(p.motto === null ? {} : { motto: p.motto }),
  }
}

/**
 * Public profiles, answered by the logic whose database holds the player:
 * from the loaded row when the player is online there (the freshest value),
 * else by one narrow SELECT of the public columns — never loading the
 * whole entity or claiming its epoch.
 */
export class PublicProfiles {
  constructor(
    private readonly ctx: ServiceContext<LogicConfig>,
    private readonly home: SessionHome,
    private readonly db: () => DbClient,
  ) {}

  /** Register the logic → logic lookup. */
  serve(): void {
    this.ctx.proxy.handle(PublicProfileLookup, PublicProfileLookupRes, async (m) => {
      const p = await this.local(m.userId)
      return p === null ? { found: false } : { found: true, profile: p }
    })
  }

  /** This logic's answer: the online row, else its database; null when it holds no row. */
  async local(userId: bigint): Promise<PublicProfile | null> {
    const s = this.home.sessionOf(userId)
    if (s !== undefined && s.state !== 'released') return toPublic(s.player)
    // A row of a player whose shard moved away is stale here.
    if (ownerCandidates(this.ctx, this.home.shards, userId).length > 0 && this.home.shards.version > 0)
      return null
    const rows = await this.db().query<
      { nickname: string; level: number; avatar_icon_id: number; motto: string | null }[]
    >(`SELECT ${PUBLIC_COLUMNS} FROM \`player\` WHERE \`id\` = ?`, [userId.toString()])
    const r = rows[0]
    return r === undefined ? null : toPublic({ ...r, id: userId })
  }

  /** Any player's public profile: here first, then the other logic services that may hold the row. */
  async find(userId: bigint): Promise<PublicProfile | null> {
    const here = await this.local(userId)
    if (here !== null) return here
    const answers = await Promise.all(
      ownerCandidates(this.ctx, this.home.shards, userId).map((id) =>
        this.ctx.proxy
          .request({ kind: 'logic', id }, PublicProfileLookup, { userId }, PublicProfileLookupRes, {
            timeoutMs: 3000,
          })
          .catch((err: unknown) => {
            this.ctx.logger.warn({ err, logic: id, userId: String(userId) }, 'public profile lookup failed')
            return null
          }),
      ),
    )
    return answers.find((a) => a?.found)?.profile ?? null
  }
}

/**
 * The other logic service that holds a player's row: the shard map (the
 * center's shard table, or the `logic.slots` list gateways route by). Empty when it is this one.
 * Without a slot list (a single logic) there is no other.
 */
export function ownerCandidates(
  ctx: ServiceContext<LogicConfig>,
  shards: ShardMap,
  userId: bigint,
): number[] {
  if (ctx.config.logic.slots === undefined && shards.version === 0) return []
  const home = shards.logicOf(userId)
  return home === ctx.serviceId ? [] : [home]
}
