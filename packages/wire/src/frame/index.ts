// The frame header: layout, flag bits, message id ranges.
export {
  FIRST_GAME_MSG_ID,
  FrameFlag,
  HEADER_BYTES,
  headerBytes,
  headerFieldsProblem,
  headerProblem,
  isGameMsgId,
  MAX_CONTROL_MSG_ID,
  RESERVED_FLAG_BITS,
  readU32,
  writeHeader,
} from './frame-header.js'
