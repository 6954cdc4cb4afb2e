/** Totals over every session of a server (metrics). */
export interface NetCounters {
  accepted: number
  refused: number
  released: number
  droppedBroadcasts: number
  droppedInbound: number
  badMessages: number
  writesAfterClose: number
  rateLimited: number
  outboundOverflows: number
  /** Connections refused because their IP, or the whole server, held the most connections allowed. */
  refusedIpLimit: number
  refusedNodeLimit: number
  /** Pending connections cut to make room for newer ones. */
  evictedPending: number
  /** Connections admitted over their IP's accept rate, and those of them cut for a late first frame. */
  probation: number
  probationTimeouts: number
  /** Sessions cut because a frame took longer than frameTimeoutMs to arrive. */
  frameTimeouts: number
}

export function newCounters(): NetCounters {
  return {
    accepted: 0,
    refused: 0,
    released: 0,
    droppedBroadcasts: 0,
    droppedInbound: 0,
    badMessages: 0,
    writesAfterClose: 0,
    rateLimited: 0,
    outboundOverflows: 0,
    refusedIpLimit: 0,
    refusedNodeLimit: 0,
    evictedPending: 0,
    probation: 0,
    probationTimeouts: 0,
    frameTimeouts: 0,
  }
}
