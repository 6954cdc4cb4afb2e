import { readFile } from 'node:fs/promises'
import { FileReloader, type ReloadLogger } from '../config/file-reloader.js'
import type { Scheduler } from '../timer/index.js'
import { ClusterSecrets } from './cluster-secrets.js'
import { ClusterBadSecrets } from './errors.js'

/** Where a process's cluster secrets come from (`cluster.*` or `center.*` config keys). */
export interface ClusterSecretsConfig {
  /** The secret, usually from the environment. */
  secret?: string | undefined
  /** Further secrets accepted from peers (a rotation window); `secret` stays preferred. */
  acceptSecrets?: readonly string[] | undefined
  /**
   * A file of secrets, one per line, the first preferred (instead of
   * `secret` and `acceptSecrets`): re-read on SIGHUP and when it changes.
   */
  secretFile?: string | undefined
}

export interface OpenClusterSecretsOptions {
  logger: ReloadLogger & { error(obj: object, msg: string): void }
  /** Runs the file watch debounce (the application's wheel). */
  timers?: Scheduler
  /** Reload on this signal while open (a secretFile only). Default SIGHUP; null: none. */
  signal?: NodeJS.Signals | null
  /** Watch the secretFile's folder. Default true. */
  watch?: boolean
}

/**
 * A process's cluster secrets and how they reload: the {@link ClusterSecrets}
 * its transports share, replaced when the secretFile changes or on SIGHUP
 * (a file that is unreadable, empty or holds a short secret is refused and
 * the previous secrets stay, logged). Secrets from the environment cannot
 * change under a running process, so they never reload.
 */
export class ClusterSecretSource {
  private constructor(
    readonly secrets: ClusterSecrets,
    private readonly reloader: FileReloader | null,
  ) {}

  /** Read the configured secrets; CLUSTER_BAD_SECRETS / CLUSTER_BAD_SECRET when there are none or one is bad. */
  static async open(c: ClusterSecretsConfig, o: OpenClusterSecretsOptions): Promise<ClusterSecretSource> {
    const file = c.secretFile
    if (file === undefined) {
      if (c.secret === undefined) throw new ClusterBadSecrets('set the secret or a secretFile')
      return new ClusterSecretSource(new ClusterSecrets([c.secret, ...(c.acceptSecrets ?? [])]), null)
    }
    if (c.secret !== undefined || (c.acceptSecrets?.length ?? 0) > 0)
      throw new ClusterBadSecrets('give the secrets in secretFile or in secret/acceptSecrets, not both')
    const secrets = new ClusterSecrets(await readSecretFile(file))
    const reload = async (): Promise<boolean> => {
      try {
        const changed = secrets.replace(await readSecretFile(file))
        // Never the secrets themselves: how many, and which generation.
        if (changed)
          o.logger.info(
            { file, count: secrets.list.length, generation: secrets.generation },
            'cluster secrets reloaded',
          )
        return changed
      } catch (err) {
        o.logger.error(
          { err, message: (err as Error).message },
          'cluster secrets not reloaded; the previous ones stay in service',
        )
        return false
      }
    }
    const reloader = new FileReloader({
      files: [file],
      reload,
      what: 'cluster secrets',
      logger: o.logger,
      ...(o.timers === undefined ? {} : { timers: o.timers }),
      ...(o.watch === undefined ? {} : { watch: o.watch }),
    })
    const signal = o.signal === undefined ? 'SIGHUP' : o.signal
    if (signal !== null) reloader.reloadOnSignal(signal)
    return new ClusterSecretSource(secrets, reloader)
  }

  /** Re-read the secretFile now; true when the secrets changed (always false without a file). */
  reload(): Promise<boolean> {
    return this.reloader?.reload() ?? Promise.resolve(false)
  }

  /** Stop watching; the secrets keep their last value. */
  close(): void {
    this.reloader?.close()
  }
}

/** One secret per line, the first preferred; blank lines and surrounding spaces are ignored. */
export async function readSecretFile(file: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw ClusterBadSecrets.with({ cause: err }, `secretFile ${file}: ${(err as Error).message}`)
  }
  const list = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
  if (list.length === 0) throw new ClusterBadSecrets(`secretFile ${file} holds no secret`)
  return list
}
