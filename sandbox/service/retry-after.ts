/** Longest wait the service ever asks for, and the longest a client honours. */
export const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * Seconds until a refused request is likely to fit: the jobs ahead of it and its own, spread over
 * the concurrent slots, at the recent mean job duration. At least 1 so clients never spin.
 */
export function estimateRetryAfterSeconds(options: {
  jobsAhead: number;
  jobsRequested: number;
  maxConcurrent: number;
  meanJobSeconds: number;
}): number {
  const { jobsAhead, jobsRequested, maxConcurrent, meanJobSeconds } = options;
  const seconds = Math.ceil(((jobsAhead + jobsRequested) / maxConcurrent) * meanJobSeconds);
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Number.isFinite(seconds) ? seconds : 1));
}

/** A Retry-After header (delta-seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
