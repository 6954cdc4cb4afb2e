// Test helpers (import from '@tessera/storage/testing'): real MariaDB only.

export type { TestDatabase } from './mariadb.js'
export {
  MARIADB_SCRIPT,
  PrivateMariadb,
  SHARED_DIR,
  serverUrl,
  sql,
  testDatabase,
  withDatabase,
} from './mariadb.js'
export { TcpProxy } from './tcp-proxy.js'
