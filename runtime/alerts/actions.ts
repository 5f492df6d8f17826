/**
 * The notifier's action: a post to a Slack incoming webhook, with retries: 429 (honouring Retry-After) and 5xx are
 * retried with exponential backoff and jitter; other 4xx fail at once (a wrong or revoked
 * URL will not heal by retrying). A final failure throws, so Lambda retries the invocation
 * and finally sends it to the dead-letter queue.
 *
 * The webhook URL is a secret (its path is the credential): logs and errors name only its host.
 */
import type { SlackMessage } from "./render";

export class WebhookError extends Error {
  constructor(message: string, readonly status: number | undefined, readonly retryable: boolean) {
    super(message);
    this.name = "WebhookError";
  }
}

export interface PostOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetchImpl?: typeof fetch;
  onRetry?: (attempt: number, reason: string, delayMs: number) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The webhook URL without its secret path: `https://hooks.slack.com/…`. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    // Unparsable (e.g. port 99999): keep the scheme and authority only.
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(url);
    return m ? `${m[1]}/…` : "(a webhook URL that is not a URL)";
  }
}

/** An error text with every occurrence of the URL (as given or encoded) replaced by its redacted form. */
function scrub(text: string, url: string): string {
  const redacted = redactWebhookUrl(url);
  let out = text;
  for (const form of new Set([url, encodeURI(url), encodeURIComponent(url)])) if (form) out = out.split(form).join(redacted);
  // Any remaining trace of the secret path (e.g. a parser quoting part of it) goes too.
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^\s"']+)/i.exec(url)?.[1];
  if (path && path.length > 1) out = out.split(path).join("/…");
  return out;
}

/** Returns the number of attempts it took. */
export async function postToSlack(url: string, message: SlackMessage, opts: PostOptions = {}): Promise<number> {
  const { maxAttempts = 5, baseDelayMs = 500, maxDelayMs = 8000, timeoutMs = 5000, sleep = defaultSleep, fetchImpl = fetch } = opts;
  const where = redactWebhookUrl(url);
  let lastError: WebhookError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const res = await fetchImpl(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) {
        await res.body?.cancel();
        return attempt;
      }
      const text = (await res.text()).slice(0, 200);
      const retryable = res.status === 429 || res.status >= 500;
      lastError = new WebhookError(`Slack webhook ${where} answered ${res.status}: ${scrub(text, url)}`, res.status, retryable);
      if (!retryable) throw lastError;
      const header = Number(res.headers.get("retry-after"));
      if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1000;
    } catch (err) {
      if (err instanceof WebhookError && !err.retryable) throw err;
      if (!(err instanceof WebhookError)) {
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
        const why = [(err as Error).message, cause?.code ?? cause?.message].filter(Boolean).join(": ");
        lastError = new WebhookError(`Slack webhook ${where} unreachable: ${scrub(why, url)}`, undefined, true);
      }
    }
    if (attempt < maxAttempts) {
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, maxDelayMs) : backoff / 2 + Math.random() * (backoff / 2);
      opts.onRetry?.(attempt, lastError!.message, delay);
      await sleep(delay);
    }
  }
  throw new WebhookError(`gave up after ${maxAttempts} attempts: ${lastError?.message}`, lastError?.status, true);
}
