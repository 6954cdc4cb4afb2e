import { defineError } from '../errors/index.js'

export const ConfigInvalid = defineError<[string, string]>(
  'CONFIG_INVALID',
  'invalid configuration (%s):\n%s',
)
export const ConfigFileUnreadable = defineError<[string, string]>(
  'CONFIG_FILE_UNREADABLE',
  'cannot read config file %s: %s',
)
