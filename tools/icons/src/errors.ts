import { defineError } from '@tessera/kernel'

// Every problem names the file it is about, so a designer can fix it without reading code.
export const IconsBadDescription = defineError<[string, string]>('ICONS_BAD_DESCRIPTION', '%s: %s')
export const IconsDuplicateId = defineError<[string, number, string, string]>(
  'ICONS_DUPLICATE_ID',
  '%s: id %d is used by both %j and %j',
)
export const IconsDuplicateName = defineError<[string, string, number, number]>(
  'ICONS_DUPLICATE_NAME',
  '%s: name %j is used by ids %d and %d',
)
export const IconsMemberClash = defineError<[string, string, string, string]>(
  'ICONS_MEMBER_CLASH',
  '%s: names %j and %j both become the enum member %s',
)
export const IconsMissingFile = defineError<[string, string]>(
  'ICONS_MISSING_FILE',
  '%s: no such file (described as icon %j)',
)
export const IconsUndescribedFile = defineError<[string, string]>(
  'ICONS_UNDESCRIBED_FILE',
  '%s: PNG file not described in %s (add it or remove the file)',
)
export const IconsNotPng = defineError<[string, string]>('ICONS_NOT_PNG', '%s: not a valid PNG: %s')
export const IconsTooLarge = defineError<[string, string]>('ICONS_TOO_LARGE', '%s: too large: %s')
export const IconsInvalid = defineError<[string, number, string]>(
  'ICONS_INVALID',
  'icon catalogue %s has %d problem(s):\n%s',
)
export const IconsGeneratedStale = defineError<[string, string]>(
  'ICONS_GENERATED_STALE',
  '%s is stale: it does not match %s (run tessera-icons build)',
)
export const IconsBadUrl = defineError<[string]>(
  'ICONS_BAD_URL',
  '--url %s must be mysql://user:password@host:port',
)
export const IconsDbFailed = defineError<[string, string]>(
  'ICONS_DB_FAILED',
  'applying the catalogue to %s failed: %s',
)
