// The replay buffer both ends keep for resume.
export { ReplayBuffer, SEQUENCED_OVERHEAD_BYTES, type Sequenced } from './replay-buffer.js'
