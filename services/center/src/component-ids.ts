/**
 * Type ids of the center's components (the center's block is 10000-10999).
 * Retired ids are never reused: 10_002 was the one-object center component.
 */
export const CenterComponentIds = {
  StatusReporter: 10_001,
  Database: 10_003,
  Link: 10_004,
  Registry: 10_005,
  MachineIds: 10_006,
  Ownership: 10_007,
  Admin: 10_008,
  GatewayControl: 10_009,
  AdminWeb: 10_010,
  Shards: 10_011,
} as const
