import type { Logger, ServiceProxy } from '@tessera/kernel'
import { type GatewaySession, SessionReport, SessionReportOk } from '@tessera/protocol'

/**
 * Tells login which players are online at this gateway (its admission cap
 * counts them): sessions bound or ended in one turn go in one SessionReport;
 * a `full` report with every open session goes out periodically, which also
 * covers dropped sessions that never resumed (docs/login.md).
 */
export class SessionReports {
  private online: GatewaySession[] = []
  private offline: GatewaySession[] = []
  private scheduled = false

  constructor(
    private readonly proxy: ServiceProxy,
    private readonly gatewayServiceId: number,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  wentOnline(s: GatewaySession): void {
    this.online.push(s)
    this.schedule()
  }

  wentOffline(s: GatewaySession): void {
    this.offline.push(s)
    this.schedule()
  }

  /** The whole list: login drops this gateway's other rows. */
  full(sessions: GatewaySession[]): void {
    this.send({ gatewayServiceId: this.gatewayServiceId, online: sessions, offline: [], full: true })
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      const online = this.online
      const offline = this.offline
      this.online = []
      this.offline = []
      if (online.length + offline.length > 0)
        this.send({ gatewayServiceId: this.gatewayServiceId, online, offline, full: false })
    })
  }

  private send(m: SessionReport): void {
    this.proxy
      .request({ kind: 'login' }, SessionReport, m, SessionReportOk, { timeoutMs: this.timeoutMs })
      .catch((err: unknown) =>
        this.logger.debug({ err }, 'session report to login failed (the next full report repairs it)'),
      )
  }
}
