import { defineError } from '@tessera/kernel'

export const KeygenBadAlphabet = defineError<[string, string]>('KEYGEN_BAD_ALPHABET', 'alphabet %j: %s')
export const KeygenBadLength = defineError<[string, number, number, number]>(
  'KEYGEN_BAD_LENGTH',
  '%s %d is not an integer in %d..%d',
)
export const KeygenFileExists = defineError<[string]>(
  'KEYGEN_FILE_EXISTS',
  '%s already exists; pass --force to replace it',
)
export const KeygenWriteFailed = defineError<[string, string]>('KEYGEN_WRITE_FAILED', 'cannot write %s: %s')
