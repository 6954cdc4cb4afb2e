import {
  MAX_VERSION_MAJOR,
  MAX_VERSION_MINOR,
  MAX_VERSION_REVISION,
  Version,
  VersionStage,
} from '@tessera/kernel'
import { VersionBadStage, VersionFieldOverflow } from './errors.js'

export type VersionField = 'major' | 'minor' | 'revision' | 'stage'
export const VERSION_FIELDS: readonly VersionField[] = ['major', 'minor', 'revision', 'stage']

/** Stages in release order, with their names. */
export const STAGES: readonly (readonly [string, VersionStage])[] = [
  ['alpha', VersionStage.Alpha],
  ['beta', VersionStage.Beta],
  ['preview', VersionStage.Preview],
  ['release', VersionStage.Release],
]

export function stageByName(name: string): VersionStage {
  const s = STAGES.find(([n]) => n === name)
  if (!s) throw new VersionBadStage(name)
  return s[1]
}

export function stageName(stage: VersionStage): string {
  return STAGES.find(([, s]) => s === stage)![0]
}

const LIMITS: Record<'major' | 'minor' | 'revision', [number, string]> = {
  major: [MAX_VERSION_MAJOR, 'u16'],
  minor: [MAX_VERSION_MINOR, 'u16'],
  revision: [MAX_VERSION_REVISION, '10 bits'],
}

/**
 * The next version: `major`, `minor` or `revision` goes up by one and the
 * fields below it restart at 0, the stage kept unless `stage` is given;
 * `stage` moves to the next stage (alpha → beta → preview → release).
 * A field already at its maximum is VERSION_FIELD_OVERFLOW, never a wrap.
 */
export function bumpVersion(v: Version, field: VersionField, stage?: VersionStage): Version {
  if (field === 'stage') {
    const i = STAGES.findIndex(([, s]) => s === v.stage)
    const next = STAGES[i + 1]
    if (next === undefined)
      throw new VersionFieldOverflow(
        'stage',
        v.toString(),
        'stage',
        STAGES.length - 1,
        'release is the last stage',
      )
    return new Version(v.major, v.minor, v.revision, stage ?? next[1])
  }
  const [max, width] = LIMITS[field]
  if (v[field] >= max) throw new VersionFieldOverflow(field, v.toString(), field, max, width)
  const s = stage ?? v.stage
  if (field === 'major') return new Version(v.major + 1, 0, 0, s)
  if (field === 'minor') return new Version(v.major, v.minor + 1, 0, s)
  return new Version(v.major, v.minor, v.revision + 1, s)
}
