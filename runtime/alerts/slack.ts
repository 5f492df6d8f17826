/**
 * Posts to a Slack incoming webhook with retries: 429 (honouring Retry-After) and 5xx are
 * retried with exponential backoff and jitter; other 4xx fail at once (a wrong or revoked
 * URL will not heal by retrying). A final failure throws, so Lambda retries the invocation
 * and finally sends it to the dead-letter queue.
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

/** Returns the number of attempts it took. */
export async function postToSlack(url: string, message: SlackMessage, opts: PostOptions = {}): Promise<number> {
  const { maxAttempts = 5, baseDelayMs = 500, maxDelayMs = 8000, timeoutMs = 5000, sleep = defaultSleep, fetchImpl = fetch } = opts;
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
      lastError = new WebhookError(`Slack webhook answered ${res.status}: ${text}`, res.status, retryable);
      if (!retryable) throw lastError;
      const header = Number(res.headers.get("retry-after"));
      if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1000;
    } catch (err) {
      if (err instanceof WebhookError && !err.retryable) throw err;
      if (!(err instanceof WebhookError)) lastError = new WebhookError(`Slack webhook unreachable: ${(err as Error).message}`, undefined, true);
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
