import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import {
  type Gender,
  type Profile,
  ProfileGet,
  ProfileGetRes,
  ProfileSet,
  ProfileSetRes,
} from '@tessera/protocol'
import type { LogicConfig } from '../config.js'
import { ProfileBadMotto, ProfileBadNickname, ProfileNotAvailable } from '../errors.js'
import type { PlayerRow } from '../player/index.js'
import { SESSION_HOME_ID, type SessionHome } from '../session/index.js'

const NICKNAME_MAX = 24
const MOTTO_MAX = 64
/** Control (Cc) and format (Cf) characters are refused in player-visible text. */
const CONTROL = /[\p{Cc}\p{Cf}]/u

/** Profile get/set: the player's own row, through the session home's request path. */
export class ProfileFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  init(): void {
    const home = this.host.get<SessionHome>(SESSION_HOME_ID)
    home.route(ProfileGet, ProfileGetRes, (req, { userId, player }) => {
      if (req.userId !== 0n && req.userId !== userId) throw new ProfileNotAvailable(String(req.userId))
      return { profile: toProfile(player) }
    })
    home.route(ProfileSet, ProfileSetRes, (req, { player }) => {
      if (req.nickname !== undefined) player.nickname = text(req.nickname, NICKNAME_MAX, ProfileBadNickname)
      if (req.motto !== undefined) player.motto = text(req.motto, MOTTO_MAX, ProfileBadMotto)
      if (req.gender !== undefined) player.gender = req.gender
      return { profile: toProfile(player) }
    })
  }
}

function text(raw: string, max: number, Err: typeof ProfileBadNickname | typeof ProfileBadMotto): string {
  const v = raw.normalize('NFC').trim()
  const len = [...v].length
  if (len === 0 || len > max) throw new Err(`length ${len} is outside 1..${max} characters`)
  if (CONTROL.test(v)) throw new Err('control or format characters are not allowed')
  return v
}

export function toProfile(p: PlayerRow): Profile {
  return {
    userId: p.id,
    nickname: p.nickname,
    level: p.level,
    gold: p.gold,
    gender: p.gender as Gender,
    iconIds: p.icon_ids,
    rating: p.rating,
    lastResetMs: p.last_reset_ms,
    ...(p.motto === null ? {} : { motto: p.motto }),
  }
}

// @component logic sort=20
export const profileFeature: ComponentFactory<ProfileFeature, ServiceContext<LogicConfig>> = {
  typeId: 20_010,
  name: 'profile',
  dependsOn: [SESSION_HOME_ID],
  create: (host) => new ProfileFeature(host),
}
