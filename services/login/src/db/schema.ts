/**
 * Login's own database (one per cluster, shared by every login process).
 * Created when missing; each statement is idempotent. Times are Unix ms
 * from the login processes' clocks; secrets (hand-off, session, queue
 * tokens) are stored as SHA-256 hashes only, so a copy of the database
 * holds no usable token.
 */
export const LOGIN_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS accounts (
    user_id BIGINT NOT NULL PRIMARY KEY,
    account VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    nickname VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    login_epoch BIGINT UNSIGNED NOT NULL DEFAULT 0,
    created_at_ms BIGINT NOT NULL,
    last_login_at_ms BIGINT NOT NULL DEFAULT 0,
    password_changed_at_ms BIGINT NOT NULL,
    UNIQUE KEY uniq_account (account)
  ) ENGINE=InnoDB`,
  // Account sessions: valid while the account's login_epoch is unchanged.
  `CREATE TABLE IF NOT EXISTS login_sessions (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    login_epoch BIGINT UNSIGNED NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    KEY by_expiry (expires_at_ms)
  ) ENGINE=InnoDB`,
  // Logout and a password change drop a user's sessions: without this index
  // each such DELETE scanned (and locked) the whole table.
  'ALTER TABLE login_sessions ADD INDEX IF NOT EXISTS by_user (user_id)',
  `CREATE TABLE IF NOT EXISTS handoff_tokens (
    token_hash BINARY(32) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    gateway_service_id INT UNSIGNED NOT NULL,
    login_epoch BIGINT UNSIGNED NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    used_at_ms BIGINT NULL,
    KEY pending (used_at_ms, expires_at_ms),
    KEY by_user (user_id)
  ) ENGINE=InnoDB`,
  // The port group of the gateway (handoff/gateway-group.ts): any gateway
  // process behind the same client ports may redeem. Added after the first
  // release, hence the ALTER for databases created before it.
  `ALTER TABLE handoff_tokens ADD COLUMN IF NOT EXISTS
    gateway_group VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT ''`,
  // Who is online where: written by redeem, kept by the gateways' reports,
  // dropped when a gateway instance leaves the cluster.
  `CREATE TABLE IF NOT EXISTS online_sessions (
    user_id BIGINT NOT NULL PRIMARY KEY,
    gateway_service_id INT UNSIGNED NOT NULL,
    gateway_started_at_ms BIGINT NOT NULL,
    login_epoch BIGINT UNSIGNED NOT NULL,
    since_ms BIGINT NOT NULL,
    KEY by_gateway (gateway_service_id, gateway_started_at_ms)
  ) ENGINE=InnoDB`,
  // The admission queue: seq gives the order; a place is live while
  // last_seen_ms is recent.
  `CREATE TABLE IF NOT EXISTS login_queue (
    seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    ticket_hash BINARY(32) NOT NULL,
    enqueued_at_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    UNIQUE KEY uniq_user (user_id),
    UNIQUE KEY uniq_ticket (ticket_hash),
    KEY by_seen (last_seen_ms)
  ) ENGINE=InnoDB`,
  // Brute-force counters: a decaying score per (scope, subject).
  `CREATE TABLE IF NOT EXISTS login_throttle (
    scope TINYINT UNSIGNED NOT NULL,
    subject VARBINARY(64) NOT NULL,
    score DOUBLE NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (scope, subject),
    KEY by_updated (updated_ms)
  ) ENGINE=InnoDB`,
  // One row whose lock serialises admission decisions across processes.
  `CREATE TABLE IF NOT EXISTS login_admission (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    admitted BIGINT UNSIGNED NOT NULL
  ) ENGINE=InnoDB`,
  'INSERT IGNORE INTO login_admission (id, admitted) VALUES (1, 0)',
]
