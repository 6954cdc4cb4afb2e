import { defineError } from '@tessera/kernel'

export const PsNoProc = defineError<[string, string]>(
  'PS_NO_PROC',
  'cannot read %s: %s (tessera-ps needs Linux /proc)',
)
