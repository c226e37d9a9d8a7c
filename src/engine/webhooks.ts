/**
 * Job webhooks: one try of one delivery. The body is the exact text stored in the outbox, signed with
 * `X-Switchyard-Signature: sha256=<hex HMAC-SHA256(body, WEBHOOK_SECRET)>` when a secret is set, so a
 * receiver can check the sender. Redirects are not followed (a redirect could point the POST at an
 * internal address); a try ends after its timeout.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Switchyard-Signature';

export interface WebhookSettings {
  secret?: string;
  timeoutMs: number;
  /** Tries in all before giving up (at least 5). */
  maxAttempts: number;
  /** Delay before the second try; doubled for each further one. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Lower-case host names that webhooks may go to; undefined: any. */
  allowedHosts?: readonly string[];
  fetch?: typeof fetch;
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type TryOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** `stop` aborts the try early (the engine is closing); the caller then leaves the delivery pending. */
export async function tryDelivery(url: string, body: string, settings: WebhookSettings, stop?: AbortSignal): Promise<TryOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'switchyard-webhook' };
  if (settings.secret) headers[SIGNATURE_HEADER] = signBody(body, settings.secret);
  const doFetch = settings.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: stop ? AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), stop]) : AbortSignal.timeout(settings.timeoutMs),
    });
    // Drain the body so the connection can be reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `answered ${response.status}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const message = name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return { ok: false, status: null, error: message };
  }
}

/** Delay before try `attempt + 1` after try `attempt` (1-based) failed. */
export function webhookDelayMs(settings: WebhookSettings, attempt: number): number {
  return Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** (attempt - 1));
}

/** Whether a webhook_url may be used: http(s), and within the allowed hosts when a list is set. */
export function webhookUrlProblem(url: string, allowedHosts?: readonly string[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `webhook_url "${url}" is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `webhook_url "${url}" must be http or https`;
  if (allowedHosts && !allowedHosts.includes(parsed.hostname.toLowerCase())) {
    return `webhook_url host "${parsed.hostname}" is not in WEBHOOK_ALLOWED_HOSTS (${allowedHosts.join(', ')})`;
  }
  return null;
}
