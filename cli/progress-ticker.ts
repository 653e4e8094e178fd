import type { ConnectionLike } from "@temporalio/client";

/**
 * Polls `ask` every `everyMs` and hands each answer to `show`, one call at a time. `stop` ends the
 * polling, cancels a call still in flight and waits for it: a query still retrying when the
 * connection closes would fire its retry timer on a closed channel and crash the process after
 * the run itself finished.
 */
export function startProgressTicker<T>(
  connection: ConnectionLike,
  ask: () => Promise<T>,
  show: (answer: T) => void,
  everyMs = 3_000,
): { stop(): Promise<void> } {
  const cancel = new AbortController();
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight || cancel.signal.aborted) return;
    inFlight = connection
      .withAbortSignal(cancel.signal, ask)
      .then(show)
      .catch(() => {
        // not answering yet, between continue-as-new runs, or finished: the next tick will
      })
      .finally(() => {
        inFlight = undefined;
      });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      cancel.abort();
      await inFlight;
    },
  };
}
