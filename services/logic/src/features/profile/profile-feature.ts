import { BaseComponent, type ComponentFactory, type ServiceContext } from '@tessera/kernel'
import {
  type Gender,
  type Profile,
  ProfileGainExp,
  ProfileGainExpRes,
  ProfileGet,
  ProfileGetRes,
  ProfilePublicGet,
  ProfilePublicGetRes,
  ProfileSet,
  ProfileSetRes,
} from '@tessera/protocol'
import { STORAGE_COMPONENT_ID, type StorageComponent } from '@tessera/storage'
import type { LogicConfig } from '../../config.js'
import { ProfileBadMotto, ProfileBadNickname, ProfileNotAvailable } from '../../errors.js'
import type { PlayerRow } from '../../player/index.js'
import { SESSION_HOME_ID, type SessionHome } from '../../session/index.js'
import { CATALOGUE_ID, type CatalogueFeature } from '../catalogue/index.js'
import { gainExp, MAX_EXP_GAIN } from './exp.js'
import { ProfileBadAvatar, ProfileBadExp, ProfileNicknameAtLogin, ProfileNotFound } from './profile-errors.js'
import { PublicProfiles, toPublic } from './public-profile.js'

const NICKNAME_MAX = 24
/** The signature text ("motto"): NFC, no control or format characters, 1..64 characters. */
const MOTTO_MAX = 64
/** Control (Cc) and format (Cf) characters are refused in player-visible text. */
const CONTROL = /[\p{Cc}\p{Cf}]/u

/**
 * The player's profile: own view (get/set), the public view of any player
 * (on whichever logic that player lives), avatar checked against the icon
 * catalogue, and exp with the level-up rule of exp.ts. The nickname belongs
 * to login: the row takes the one login handed off at each join.
 */
export class ProfileFeature extends BaseComponent<ServiceContext<LogicConfig>> {
  private publics: PublicProfiles | undefined

  init(): void {
    const home = this.host.get<SessionHome>(SESSION_HOME_ID)
    const catalogue = () => this.host.get<CatalogueFeature>(CATALOGUE_ID)
    this.publics = new PublicProfiles(
      this.host.context,
      home,
      () => this.host.get<StorageComponent>(STORAGE_COMPONENT_ID).storage.client,
    )
    home.onPlayer({
      joined({ player, session }) {
        // Login is where nicknames change (change-nickname): take its current one.
        if (player.nickname !== session.nickname) player.nickname = session.nickname.slice(0, NICKNAME_MAX)
      },
    })
    home.route(ProfileGet, ProfileGetRes, (req, { userId, player }) => {
      if (req.userId !== 0n && req.userId !== userId) throw new ProfileNotAvailable(String(req.userId))
      return { profile: toProfile(player) }
    })
    home.route(ProfileSet, ProfileSetRes, (req, { player }) => {
      if (req.nickname !== undefined) {
        text(req.nickname, NICKNAME_MAX, ProfileBadNickname)
        throw new ProfileNicknameAtLogin()
      }
      // Check everything before changing anything: a refusal changes nothing.
      const motto = req.motto === undefined ? undefined : text(req.motto, MOTTO_MAX, ProfileBadMotto)
      const avatar = req.avatarIconId
      if (avatar !== undefined && avatar !== 0 && !catalogue().has(avatar))
        throw new ProfileBadAvatar(avatar, 'not an icon of the current catalogue')
      if (motto !== undefined) player.motto = motto
      if (avatar !== undefined) player.avatar_icon_id = avatar
      if (req.gender !== undefined) player.gender = req.gender
      return { profile: toProfile(player) }
    })
    home.route(ProfileGainExp, ProfileGainExpRes, (req, { player }) => {
      if (req.amount < 1 || req.amount > MAX_EXP_GAIN) throw new ProfileBadExp(req.amount, MAX_EXP_GAIN)
      const before = player.level
      const next = gainExp({ level: player.level, exp: player.exp }, req.amount)
      player.level = next.level
      player.exp = next.exp
      return { level: next.level, exp: next.exp, levelsUp: next.level - before }
    })
    home.route(ProfilePublicGet, ProfilePublicGetRes, async (req, { userId, player }) => {
      if (req.userId === userId) return { profile: toPublic(player) }
      const p = await this.publics!.find(req.userId)
      if (p === null) throw new ProfileNotFound(String(req.userId))
      return { profile: p }
    })
  }

  startup(): void {
    if (this.host.context.config.cluster.center) this.publics!.serve()
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
    avatarIconId: p.avatar_icon_id,
    exp: p.exp,
    ...(p.motto === null ? {} : { motto: p.motto }),
  }
}

// @component logic sort=20
export const profileFeature: ComponentFactory<ProfileFeature, ServiceContext<LogicConfig>> = {
  typeId: 20_010,
  name: 'profile',
  dependsOn: [SESSION_HOME_ID, CATALOGUE_ID],
  create: (host) => new ProfileFeature(host),
}
