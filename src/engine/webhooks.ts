/**
 * Job webhooks: one try of one delivery. The body is the exact text stored in the outbox, signed with
 * `X-Switchyard-Signature: sha256=<hex HMAC-SHA256(body, WEBHOOK_SECRET)>` when a secret is set, so a
 * receiver can check the sender. Redirects are not followed (a redirect could point the POST at an
 * internal address); a try ends after its timeout.
 */
import { createHmac } from 'node:crypto';
import type { Store } from '../storage/contracts.js';
import type { TimerRecord, WebhookDelivery } from '../storage/types.js';
import type { Clock, EngineLogger, EngineMetrics } from './ports.js';

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

export interface DeliveryDeps {
  store: Store;
  clock: Clock;
  metrics: EngineMetrics;
  logger: EngineLogger;
  settings: WebhookSettings;
  /** Fires when the engine closes: the try is abandoned and the delivery stays pending (leased). */
  stop: AbortSignal;
}

/**
 * One try of the delivery held by a `webhook` timer: records it in the job's history and either
 * clears the timer (delivered, or the last try failed) or moves it to the next try. Answers when the
 * next try is due, or null.
 */
export async function deliverWebhookTry(timer: TimerRecord, deps: DeliveryDeps): Promise<number | null> {
  const { settings } = deps;
  const delivery = timer.payload as WebhookDelivery;
  const attempt = delivery.attempts + 1;
  const outcome = await tryDelivery(delivery.url, delivery.body, settings, deps.stop);
  if (deps.stop.aborted) return null;
  const last = !outcome.ok && attempt >= settings.maxAttempts;
  const now = deps.clock.now();
  const nextDue = outcome.ok || last ? null : now + webhookDelayMs(settings, attempt);
  const verdict = outcome.ok ? 'delivered' : last ? 'gave_up' : 'retry';
  deps.metrics.webhookDelivery(verdict);
  const log = { job_id: timer.job_id, url: delivery.url, attempt, status: outcome.status };
  if (outcome.ok) deps.logger.info(log, 'webhook delivered');
  else deps.logger.warn({ ...log, error: outcome.error }, last ? 'webhook given up' : 'webhook try failed');
  await deps.store.timers.settle(timer.id, {
    job_id: timer.job_id,
    history: [
      {
        event_id: `${delivery.delivery_id}:try${attempt}`,
        job_id: timer.job_id,
        timestamp: now,
        event_type: 'webhook_delivery',
        state: null,
        event: delivery.event,
        url: delivery.url,
        attempt,
        outcome: verdict,
        status_code: outcome.status,
        ...(outcome.ok ? {} : { error: outcome.error }),
        ...(nextDue !== null ? { next_try_at: new Date(nextDue).toISOString() } : {}),
      },
    ],
    ...(nextDue !== null ? { next: { ...timer, due: nextDue, payload: { ...delivery, attempts: attempt } } } : {}),
  });
  return nextDue;
}
