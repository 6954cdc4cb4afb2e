import type { VersionStage } from '@tessera/wire'
import { describe, expect, it } from 'vitest'
import { Version } from '../id/index.js'
import { versionFromWire, versionToWire } from './version-check.js'

const w = (major: number, minor: number, revision: number, stage: number) => ({
  major,
  minor,
  revision,
  // Unknown stages are sent on purpose below.
  stage: stage as VersionStage,
})

describe('handshake versions', () => {
  it('compare in Version order, stage last (alpha < beta < preview < release)', () => {
    const cmp = (a: ReturnType<typeof w>, b: ReturnType<typeof w>) =>
      Version.compare(versionFromWire(a), versionFromWire(b))
    expect(cmp(w(1, 2, 3, 3), w(1, 2, 3, 3))).toBe(0)
    expect(cmp(w(2, 0, 0, 0), w(1, 9, 9, 3))).toBeGreaterThan(0)
    expect(cmp(w(1, 2, 0, 3), w(1, 10, 0, 0))).toBeLessThan(0)
    expect(cmp(w(1, 2, 3, 0), w(1, 2, 3, 3))).toBeLessThan(0)
  })

  it('round-trips and prints like Version', () => {
    expect(versionToWire(versionFromWire(w(1, 2, 3, 1)))).toEqual(w(1, 2, 3, 1))
    expect(versionFromWire(w(1, 2, 3, 1)).toString()).toBe('1.2.3-beta')
    expect(versionFromWire(w(1, 2, 3, 3)).toString()).toBe('1.2.3')
  })

  it('refuses out-of-range fields and unknown stages', () => {
    expect(() => versionFromWire(w(1, 2, 5000, 3))).toThrow()
    expect(() => versionFromWire(w(1, 2, 3, 9))).toThrow()
  })
})
