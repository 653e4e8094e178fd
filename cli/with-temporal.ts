import { openTemporalTarget, type TemporalTarget } from "../runtime/temporal-target";

/**
 * Runs `body` against the resolved Temporal target and always releases it, also on Ctrl-C or
 * SIGTERM, so an embedded server is never left running with its state file half-written.
 */
export async function withTemporal<T>(
  dataDir: string,
  body: (target: TemporalTarget) => Promise<T>,
): Promise<T> {
  const target = await openTemporalTarget(dataDir);
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`sstar: ${signal} received, stopping`);
    void target.release().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await body(target);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await target.release();
  }
}
