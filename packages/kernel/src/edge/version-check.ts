import { VersionStage as WireStage, type Version as WireVersion } from '@tessera/wire'
import { Version, VersionStage } from '../id/index.js'

// The handshake carries versions as proto fields with the proto's stage
// enum (0 alpha .. 3 release); the kernel's Version uses spaced 6-bit stage
// codes. These convert between the two so comparisons use Version's order.

const FROM_WIRE = [VersionStage.Alpha, VersionStage.Beta, VersionStage.Preview, VersionStage.Release] as const
const TO_WIRE = new Map<number, WireStage>(FROM_WIRE.map((s, i) => [s, i as WireStage]))

/** A handshake version as a kernel Version; throws ID_ errors for out-of-range fields or stages. */
export function versionFromWire(w: WireVersion | undefined): Version {
  if (w === undefined) return new Version(0, 0, 0, VersionStage.Alpha)
  const stage = FROM_WIRE[w.stage]
  if (stage === undefined) return new Version(w.major, w.minor, w.revision, 0 as VersionStage)
  return new Version(w.major, w.minor, w.revision, stage)
}

export function versionToWire(v: Version): WireVersion {
  return {
    major: v.major,
    minor: v.minor,
    revision: v.revision,
    stage: TO_WIRE.get(v.stage) ?? WireStage.STAGE_ALPHA,
  }
}

/** `'1.2.0'`, a Version, or nothing (accept anything). */
export function toVersion(v: Version | string | undefined, fallback: Version): Version {
  if (v === undefined) return fallback
  return typeof v === 'string' ? Version.parse(v) : v
}
