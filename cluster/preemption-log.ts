import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterApi } from "./cluster-api";
import { releaseSelector } from "./release-status";
import { preemptionOf, WORKER_PREEMPTIONS_FILE } from "./worker-preemptions";

/**
 * While a run goes on in a cluster, records every worker pod of the release that is preempted,
 * evicted or deleted into the run's results folder (one line each): the summary and `sstar status`
 * say how many the run survived. A watch that cannot be opened costs the run nothing but this record.
 */
export async function startPreemptionLog(
  api: ClusterApi,
  release: string,
  resultsDir: string,
  log: (line: string) => void,
): Promise<() => void> {
  const seen = new Set<string>();
  const file = join(resultsDir, WORKER_PREEMPTIONS_FILE);
  let lastError = "";
  try {
    const stop = await api.watchPods(
      `${releaseSelector(release)},app.kubernetes.io/component=worker`,
      (type, pod) => {
        const preemption = preemptionOf(type, pod, seen);
        if (!preemption) return;
        appendFileSync(file, `${JSON.stringify(preemption)}\n`);
        log(
          `worker ${preemption.pod} on ${preemption.node ?? "?"} went away (${preemption.reason}); its work moves`,
        );
      },
      (err) => {
        // One line per distinct failure, not one per reconnect.
        if (err.message === lastError) return;
        lastError = err.message;
        log(`sstar run: not recording worker preemptions: ${err.message}`);
      },
    );
    log(`recording preemptions of release ${release}'s workers (namespace ${api.namespace})`);
    return stop;
  } catch (err) {
    log(`sstar run: not recording worker preemptions: ${(err as Error).message}`);
    return () => {};
  }
}
