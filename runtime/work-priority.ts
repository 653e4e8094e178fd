import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Which work a worker serves first when the endpoint's batch or the sandboxes are the bottleneck:
 * the oldest problem's. Served in admission order, problems move through the pipeline staggered
 * (one in selection while another still generates) instead of in lockstep, so the sandbox work of
 * some hides behind the generation of others and the endpoint's batch stays full to the end.
 * Lower numbers go first; work outside any problem goes last.
 */
const scope = new AsyncLocalStorage<number>();

export const UNPRIORITIZED = Number.MAX_SAFE_INTEGER;

/** Runs `fn` (and everything it awaits) at `priority`. */
export function withWorkPriority<T>(priority: number, fn: () => T): T {
  return scope.run(priority, fn);
}

/** The priority of the work calling now. */
export function currentWorkPriority(): number {
  return scope.getStore() ?? UNPRIORITIZED;
}

/**
 * Numbers keys (a problem's workflow id) in the order first seen: problems are admitted in order
 * and ask for work soon after, so first seen is oldest. Keeps the last `capacity` keys.
 */
export class ArrivalOrder {
  private readonly seen = new Map<string, number>();
  private next = 0;

  constructor(private readonly capacity = 100_000) {}

  of(key: string): number {
    let order = this.seen.get(key);
    if (order === undefined) {
      order = this.next++;
      this.seen.set(key, order);
      if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    }
    return order;
  }
}
