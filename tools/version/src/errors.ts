import { defineError } from '@tessera/kernel'

export const VersionFileNotFound = defineError<[string]>(
  'VERSION_FILE_NOT_FOUND',
  'no VERSION file in %s or any directory above it (pass --file)',
)
export const VersionFileBad = defineError<[string, string]>('VERSION_FILE_BAD', 'version file %s: %s')
export const VersionFieldOverflow = defineError<[string, string, string, number, string]>(
  'VERSION_FIELD_OVERFLOW',
  'cannot bump %s of %s: %s is at its maximum %d (%s)',
)
export const VersionBadStage = defineError<[string]>(
  'VERSION_BAD_STAGE',
  'unknown stage %j (alpha, beta, preview or release)',
)
export const VersionBackwards = defineError<[string, string]>(
  'VERSION_BACKWARDS',
  'refusing to move the version back from %s to %s (pass --force)',
)
export const VersionGeneratedStale = defineError<[string, string]>(
  'VERSION_GENERATED_STALE',
  '%s is stale: it does not match %s (run tessera-version gen)',
)
