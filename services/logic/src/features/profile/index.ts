// The profile feature: own profile, public view of any player, avatar, exp.
export { expToNext, gainExp, type LevelExp, MAX_EXP_GAIN, MAX_LEVEL } from './exp.js'
export { ProfileBadAvatar, ProfileBadExp, ProfileNicknameAtLogin, ProfileNotFound } from './profile-errors.js'
export { ProfileFeature, profileFeature, toProfile } from './profile-feature.js'
export { ownerCandidates, PublicProfiles, toPublic } from './public-profile.js'
