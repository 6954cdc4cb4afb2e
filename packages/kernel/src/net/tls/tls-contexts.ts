import { createHash, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext, type SecureContext } from 'node:tls'
import { FileReloader } from '../../config/file-reloader.js'
import { type Scheduler, systemTimers } from '../../timer/scheduler.js'
import { NetTlsBadConfig } from '../errors.js'
import { type NetLogger, silentLogger } from '../logger.js'

/** One certificate chain and its private key, as PEM file paths. */
export interface TlsCertFiles {
  cert: string
  key: string
}

/** TLS settings of the client-facing listeners (tls://, wss://, https://, auto+tls://). */
export interface TlsConfig {
  /**
   * Certificate chains with their keys. SNI picks the first whose
   * certificate names the host the client asked for (its subjectAltName,
   * wildcards included); the first is served when none does or the client
   * sends no name.
   */
  certs: readonly TlsCertFiles[]
  /** Oldest protocol accepted: TLSv1.2 (default) or TLSv1.3. Nothing older is ever allowed. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3'
  /** Reload when a file changes (fs.watch on their folders). Default true. */
  watch?: boolean
  /** Quiet period after a file event before reloading (editors and certbot write in steps). Default 200 ms. */
  debounceMs?: number
}

/** What a listener needs: the default context's options, SNI selection, and a change signal. */
interface Loaded {
  /** PEM bytes of each pair, in config order. */
  pairs: { cert: Buffer; key: Buffer; x509: X509Certificate; context: SecureContext }[]
  /** SHA-256 over every file's bytes: a reload that reads the same bytes changes nothing. */
  digest: string
}

/**
 * The certificates of a process's TLS listeners, loaded from files and
 * reloaded when they change (fs.watch) or on {@link reload} (SIGHUP). A
 * reload builds every context first and swaps them in one step; a file that
 * is missing, half written or does not match its key leaves the previous
 * certificates in service (logged). Live connections keep the context they
 * were accepted with: only new handshakes see the new certificate.
 */
export class TlsContexts {
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3'
  private loaded: Loaded | null = null
  private readonly listeners = new Set<() => void>()
  private reloader: FileReloader | null = null
  /** Reloads that changed the certificates (metrics, tests). */
  generation = 0

  private constructor(
    private readonly config: TlsConfig,
    private readonly logger: NetLogger,
  ) {
    const min = config.minVersion ?? 'TLSv1.2'
    if (min !== 'TLSv1.2' && min !== 'TLSv1.3')
      throw new NetTlsBadConfig(`minVersion ${String(min)} (TLSv1.2 or TLSv1.3)`)
    if (config.certs.length === 0) throw new NetTlsBadConfig('no certificate configured')
    this.minVersion = min
  }

  /**
   * Load the files (a failure here is fatal: there is nothing to serve yet)
   * and start watching them; `timers` (the service's `ctx.timers`) runs the
   * reload debounce.
   */
  static async load(
    config: TlsConfig,
    logger: NetLogger = silentLogger,
    timers: Scheduler = systemTimers(),
  ): Promise<TlsContexts> {
    const t = new TlsContexts(config, logger)
    t.loaded = await t.read()
    t.generation = 1
    t.reloader = new FileReloader({
      files: config.certs.flatMap((c) => [c.cert, c.key]),
      reload: () => t.reloadOnce(),
      what: 'tls certificates',
      logger,
      timers,
      ...(config.watch === undefined ? {} : { watch: config.watch }),
      ...(config.debounceMs === undefined ? {} : { debounceMs: config.debounceMs }),
    })
    return t
  }

  /** Options for tls.createServer / setSecureContext: the default (first) certificate. */
  defaultOptions(): { cert: Buffer; key: Buffer } {
    const p = this.current().pairs[0]!
    return { cert: p.cert, key: p.key }
  }

  /** The context for an SNI server name: the first certificate naming it, else the default. */
  select(servername: string): SecureContext {
    const pairs = this.current().pairs
    for (const p of pairs) if (p.x509.checkHost(servername) !== undefined) return p.context
    return pairs[0]!.context
  }

  /** Subject names of the certificates in service (logs, admin). */
  subjects(): string[] {
    return this.current().pairs.map((p) => p.x509.subjectAltName ?? p.x509.subject)
  }

  /** Be told after every reload that changed the certificates. Returns an unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /**
   * Read the files again and swap the certificates in if they changed.
   * Resolves true when they did; false when nothing changed or the new files
   * were refused (the old ones stay in service). Concurrent calls coalesce.
   */
  reload(): Promise<boolean> {
    return this.reloader!.reload()
  }

  /**
   * Reload on a signal (SIGHUP by operators' habit) until {@link close}.
   * The listener is this store's own, so other SIGHUP handlers are untouched.
   */
  reloadOnSignal(signal: NodeJS.Signals = 'SIGHUP'): this {
    this.reloader!.reloadOnSignal(signal)
    return this
  }

  /** Stop watching; contexts already handed out keep working. */
  close(): void {
    this.reloader?.close()
    this.listeners.clear()
  }

  private current(): Loaded {
    if (this.loaded === null) throw new NetTlsBadConfig('certificates not loaded')
    return this.loaded
  }

  private async reloadOnce(): Promise<boolean> {
    let next: Loaded
    try {
      next = await this.read()
    } catch (err) {
      this.logger.error(
        { err, message: (err as Error).message },
        'tls certificates not reloaded; the previous ones stay in service',
      )
      return false
    }
    if (this.reloader?.isClosed || next.digest === this.loaded?.digest) return false
    this.loaded = next
    this.generation++
    this.logger.info({ subjects: this.subjects(), generation: this.generation }, 'tls certificates reloaded')
    for (const fn of this.listeners) fn()
    return true
  }

  private async read(): Promise<Loaded> {
    const hash = createHash('sha256')
    const pairs: Loaded['pairs'] = []
    for (const [i, files] of this.config.certs.entries()) {
      let cert: Buffer
      let key: Buffer
      try {
        ;[cert, key] = await Promise.all([readFile(files.cert), readFile(files.key)])
      } catch (err) {
        throw NetTlsBadConfig.with({ cause: err }, `certs[${i}]: ${(err as Error).message}`)
      }
      let x509: X509Certificate
      let context: SecureContext
      try {
        x509 = new X509Certificate(cert)
        // createSecureContext refuses a key that does not match the certificate.
        context = createSecureContext({ cert, key, minVersion: this.minVersion })
      } catch (err) {
        throw NetTlsBadConfig.with({ cause: err }, `certs[${i}] (${files.cert}): ${(err as Error).message}`)
      }
      hash.update(cert).update(key)
      pairs.push({ cert, key, x509, context })
    }
    return { pairs, digest: hash.digest('hex') }
  }
}
