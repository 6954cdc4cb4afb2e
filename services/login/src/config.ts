import { appConfigSchema, memoryGuardConfigSchema, tlsConfigSchema } from '@tessera/kernel'
import { z } from 'zod'

const int = (min: number) => z.number().int().min(min)
// Every field has a default, so an absent section is {} (the cast: zod cannot
// see that through the generic shape).
const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never)

/** A `{limit} events per {windowMs}` throttle. */
const rate = (limit: number, windowMs: number) =>
  section({ limit: int(1).default(limit), windowMs: int(1).default(windowMs) })

/** The `login` section: every limit of the service, with its default. */
export const loginSectionSchema = z.strictObject({
  /**
   * Service id of the first login process; process i (0-based) is
   * `serviceId + i`. Cluster-unique across every kind.
   */
  serviceId: int(1).default(100),
  /** Login processes sharing the client ports (0 = one per core). */
  processes: int(0).default(0),
  /**
   * Client-facing addresses: `http://` serves the JSON API and WebSocket
   * upgrades (path /ws), `ws://` WebSocket only, `tcp://` binary frames,
   * `auto://` all three on one port; `https://`, `wss://`, `tls://` and
   * `auto+tls://` are the same behind TLS (certificates in `tls`).
   */
  listen: z.array(z.string().min(1)).min(1).default(['http://127.0.0.1:3700', 'tcp://127.0.0.1:3701']),
  /** Certificates for the TLS addresses in `listen`. */
  tls: tlsConfigSchema.optional(),
  /**
   * Allow plaintext fronts (`http://`, `ws://`, `tcp://`, `auto://`) bound to
   * a non-loopback address. Login answers carry the gateway hand-off token
   * (and requests the password), so by default login refuses to start with
   * one (LOGIN_PLAINTEXT_FRONT): use the TLS twins, or bind 127.0.0.1 behind
   * a TLS proxy. For local development only (the run command sets it).
   */
  allowPlaintext: z.boolean().default(false),
  database: section({
    /** mysql://user:pass@host:port (MYSQL_URL is the usual way to set it: TESSERA_LOGIN__DATABASE__URL). */
    url: z.string().min(1).default('mysql://root@127.0.0.1:3306'),
    /** Login's own database, shared by every login process; created when missing. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/)
      .default('tessera_login'),
    connectionLimit: int(1).default(8),
    /** A statement or transaction with no answer in this long fails with LOGIN_UNAVAILABLE (a hung database). */
    deadlineMs: int(1).default(5000),
  }),
  account: section({
    minLength: int(1).max(64).default(3),
    maxLength: int(1).max(64).default(32),
  }),
  nickname: section({
    /** Counted in Unicode code points after NFC normalisation. */
    minLength: int(1).max(64).default(1),
    maxLength: int(1).max(64).default(24),
  }),
  password: section({
    /** Counted in code points after NFKC normalisation (NIST SP 800-63B rev 4, 3.1.1.2). */
    minLength: int(1).max(1024).default(8),
    maxLength: int(1).max(1024).default(128),
    /** An extra blocklist file (one password per line) besides the shipped one. */
    blocklistFile: z.string().min(1).optional(),
    /** Words a password may not contain besides the account name (the game's name...). */
    contextWords: z.array(z.string().min(3)).default(['tessera']),
  }),
  argon2: section({
    /** Argon2id memory in KiB (OWASP's minimum: 19 MiB, t=2, p=1). */
    memoryKiB: int(1024).default(19_456),
    timeCost: int(1).default(2),
    parallelism: int(1).max(16).default(1),
    /** Hashes computed at once (each takes a libuv thread and memoryKiB of memory). */
    maxConcurrent: int(1).default(4),
    /** Hashes waiting for a slot; past it requests get LOGIN_BUSY. */
    maxQueued: int(0).default(256),
    /**
     * How long a hash may wait for a slot before its request gets
     * LOGIN_BUSY_WAITED (well below the HTTP route deadline, 30 s by default).
     */
    maxWaitMs: int(1).default(5_000),
  }),
  limits: section({
    /** Failed logins per account name (from any address). */
    account: rate(5, 60_000),
    /** Failed logins per client address (IPv6: per prefix, below). */
    ip: rate(10, 600_000),
    /**
     * Password checks one client address may have running at once in one
     * login process (LOGIN_THROTTLED_IP_IN_FLIGHT past it). Failures from an
     * address are counted when they happen, so this bounds the guesses a
     * burst can race past a full per-address counter.
     */
    ipInFlight: int(1).default(16),
    /** Registrations per client address. */
    register: rate(20, 3_600_000),
    /** IPv6 clients are counted per prefix of this length (one subscriber gets a /64). */
    ipv6PrefixBits: int(1).max(128).default(64),
    /** Refused password checks per minute in one process that raise the login-storm alert (0 = never). */
    stormPerMinute: int(0).default(300),
  }),
  handoff: section({
    /** How long a hand-off token may wait for its gateway. */
    tokenTtlMs: int(1).default(30_000),
    /** How long an account session token lives (logout, nickname, password). */
    sessionTtlMs: int(1).default(7 * 24 * 3600_000),
  }),
  logout: section({
    /**
     * Logouts ended in one transaction: those that arrive while a batch
     * runs go together in the next (one batch at a time per process).
     */
    maxBatch: int(1).max(5_000).default(500),
    /** Logouts waiting for a batch; past it requests get LOGIN_LOGOUT_BUSY (retry shortly). */
    maxQueued: int(1).default(20_000),
  }),
  admission: section({
    /** Players online (at gateways, plus hand-offs not yet redeemed) before login queues them; 0 = no cap. */
    onlineCap: int(0).default(0),
    /** A queued client silent this long (no poll, socket gone) loses its place. */
    keepAliveMs: int(1000).default(20_000),
    /** How often socket clients get their position (and HTTP clients are told to poll). */
    updateMs: int(100).default(2_000),
  }),
  /**
   * Past these memory figures this login process admits nobody: every login
   * queues (a position, as under the online cap) and is admitted once the
   * process is back under resumeRatio of them (docs/operations.md, "Memory
   * guard"). Default: heap at 85% of the V8 heap limit, no RSS threshold.
   */
  memoryGuard: memoryGuardConfigSchema.prefault({}),
  http: section({
    maxBodyBytes: int(64).default(4096),
    /** Origins browsers may call the JSON API from (`*` = any; tokens travel in bodies, not cookies). */
    corsOrigins: z.array(z.string().min(1)).default(['*']),
    /**
     * Addresses or CIDR ranges of the reverse proxies / load balancers in
     * front of login: only from these is `X-Forwarded-For` believed (for the
     * per-address limits and the logs). Empty: the header is ignored.
     */
    trustedProxies: z.array(z.string().min(1)).default([]),
  }),
  edge: section({
    /** How long a dropped socket client may resume its login session. */
    resumeGraceMs: int(0).default(30_000),
    handlerTimeoutMs: int(0).default(10_000),
    encryption: z.enum(['required', 'optional', 'off']).default('optional'),
    /** Ed25519 private key (PKCS#8 PEM file) signing every encrypted handshake; unset: unsigned. */
    signingKeyFile: z.string().min(1).optional(),
  }),
  /** Clean-up of expired tokens, sessions and queue places, and of sessions of vanished gateways. */
  janitorMs: int(100).default(5_000),
})

export const loginConfigSchema = appConfigSchema.extend({ login: loginSectionSchema.prefault({}) })

export type LoginConfig = z.output<typeof loginConfigSchema>
export type LoginSection = LoginConfig['login']
