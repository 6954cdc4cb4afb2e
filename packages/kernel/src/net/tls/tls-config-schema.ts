import { z } from 'zod'

/**
 * The `tls` section of a service that opens client ports (gateway, login):
 * certificate and key files (PEM), the first served by default, the others
 * chosen by SNI from their certificates' names. Read by {@link TlsContexts}.
 */
export const tlsConfigSchema = z.strictObject({
  certs: z.array(z.strictObject({ cert: z.string().min(1), key: z.string().min(1) })).min(1),
  /** Oldest protocol accepted; TLS 1.0 and 1.1 are never allowed. */
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  /** Reload when the files change; SIGHUP reloads either way. */
  watch: z.boolean().default(true),
})

export type TlsConfigInput = z.input<typeof tlsConfigSchema>
