export function feishuSign(secret: string, timestampSec: number): string
export function feishuTextBody(
  text: string,
  secret: string | undefined,
  nowMs: number,
): Record<string, unknown>
export function failureText(env: Record<string, string | undefined>): string
export function sendFeishuText(o: {
  url: string
  secret?: string
  text: string
  nowMs?: number
  timeoutMs?: number
}): Promise<void>
