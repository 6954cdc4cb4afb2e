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
  }
}
