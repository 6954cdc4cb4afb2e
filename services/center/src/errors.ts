import { defineError } from '@tessera/kernel'

export const CenterMachineIdsExhausted = defineError<[number, string]>(
  'CENTER_MACHINE_IDS_EXHAUSTED',
  'all %d machine ids are leased; none free for %s (wait for a lease to expire or raise the pool)',
)
export const CenterMachineIdHeld = defineError<[number, string, string]>(
  'CENTER_MACHINE_ID_HELD',
  'machine id %d of %s is held by another live process (%s); refused a second one: give each process of a kind on a node its own slot (app.slot, or a distinct service id)',
)
export const CenterMachineIdSuperseded = defineError<[number, string]>(
  'CENTER_MACHINE_ID_SUPERSEDED',
  'machine id %d of node %s is held by another process now (this one hung past center.holderTtlMs and was replaced); stop and start again for a fresh lease',
)
export const CenterBadLease = defineError<[string]>('CENTER_BAD_LEASE', 'bad machine-id request: %s')
export const CenterDuplicateService = defineError<[number, string, string]>(
  'CENTER_DUPLICATE_SERVICE',
  'service id %d is already held by %s; refused %s',
)
export const CenterBadRegistration = defineError<[string]>('CENTER_BAD_REGISTRATION', 'bad registration: %s')
export const CenterNoDatabase = defineError<[string]>('CENTER_NO_DATABASE', 'center database unavailable: %s')
export const CenterBadAdminRequest = defineError<[string]>(
  'CENTER_BAD_ADMIN_REQUEST',
  'bad admin request: %s',
)
/** `POST /admin/shards/move` while another move runs (409). */
export const CenterShardMoveRunning = defineError('CENTER_SHARD_MOVE_RUNNING', 'a shard move is running')
/** A logic's move message (fence claim, move done) that matches no running move. */
export const CenterShardMoveRefused = defineError<[string]>(
  'CENTER_SHARD_MOVE_REFUSED',
  'shard move message refused: %s',
)
