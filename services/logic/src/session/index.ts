// Player sessions on logic: the sequenced state gateways bind to, and the
// request path features register handlers on.
export { PlayerSession, type PlayerSessionState } from './player-session.js'
export { parseResumeToken } from './resume-token.js'
export {
  BAD_BODY_MARK,
  type FeatureHandler,
  type PlayerContext,
  SESSION_HOME_ID,
  SessionHome,
  sessionHome,
  UNKNOWN_MARK,
} from './session-home.js'
