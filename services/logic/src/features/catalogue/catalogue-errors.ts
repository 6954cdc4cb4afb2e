import { defineError } from '@tessera/kernel'

// Catalogue errors. CATALOGUE_UNAVAILABLE is a refusal the client sees
// (WIRE_REJECTED with the code as ErrorReply.name); the others are logged by
// logic, which keeps serving the catalogue it holds.

export const CatalogueUnavailable = defineError<[string]>(
  'CATALOGUE_UNAVAILABLE',
  'no icon catalogue is loaded (database %s holds none yet)',
  { client: true },
)
export const CatalogueTooLarge = defineError<[string, number, number]>(
  'CATALOGUE_TOO_LARGE',
  'catalogue %s is %d bytes, more than %d (half of logic.maxReplayBytes): pushing it would end sessions as slow consumers',
)
export const CatalogueBadRows = defineError<[string, string]>(
  'CATALOGUE_BAD_ROWS',
  'catalogue rows in %s: %s',
)
