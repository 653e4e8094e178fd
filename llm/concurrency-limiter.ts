import { PriorityQueue } from "../runtime/priority-queue";
import { currentWorkPriority } from "../runtime/work-priority";

/**
 * At most `limit` requests and `sequenceLimit` sequences (a request asking for n completions holds
 * n) at once; the rest wait, the oldest problem's first (runtime/work-priority.ts). The sequence
 * limit keeps the endpoint's own first-come queue short, so the order is decided here.
 * The head of the queue is never overtaken by a smaller request behind it, and a request larger
 * than the whole sequence limit goes alone.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private activeSequences = 0;
  private waitingSequences = 0;
  private readonly waiting = new PriorityQueue<{ sequences: number; go: () => void }>();

  constructor(
    readonly limit: number,
    readonly sequenceLimit = Number.POSITIVE_INFINITY,
  ) {}

  get queued(): number {
    return this.waiting.size;
  }

  /** Sequences of the requests waiting. */
  get queuedSequences(): number {
    return this.waitingSequences;
  }

  async run<T>(task: () => Promise<T>, sequences = 1, priority = currentWorkPriority()): Promise<T> {
    if (this.waiting.size > 0 || !this.fits(sequences)) {
      // Counted by admit() when let through.
      this.waitingSequences += sequences;
      await new Promise<void>((go) => this.waiting.push({ sequences, go }, priority));
    } else {
      this.active++;
      this.activeSequences += sequences;
    }
    try {
      return await task();
    } finally {
      this.active--;
      this.activeSequences -= sequences;
      this.admit();
    }
  }

  private fits(sequences: number): boolean {
    if (this.active === 0) return true;
    return this.active < this.limit && this.activeSequences + sequences <= this.sequenceLimit;
  }

  private admit(): void {
    for (let head = this.waiting.peek(); head && this.fits(head.sequences); head = this.waiting.peek()) {
      this.waiting.pop();
      this.waitingSequences -= head.sequences;
      // Counted now, not when the waiter resumes: the next head must see this one's room taken.
      this.active++;
      this.activeSequences += head.sequences;
      head.go();
    }
  }
}
