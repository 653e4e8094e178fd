/**
 * When the simulated engine finishes each sequence: a model of one vLLM server, run in real time.
 *
 * - Every choice of a request is one sequence. At most `maxNumSeqs` sequences are in flight; the
 *   rest wait in one FIFO queue (vLLM's scheduler without preemption).
 * - Prefill: a request's prompt is prefilled once, however many of its sequences run (vLLM V1 shares
 *   the prompt of parallel samples through prefix caching). The engine prefills
 *   `prefillTokensPerSecond` prompt tokens per second, shared equally by the requests prefilling at
 *   the same time. The end of a prefill yields each admitted sequence's first token.
 * - Decode: every sequence past its prefill decodes at
 *   `decodeTokensPerSecond / (1 + decodeSlowdown × (b − 1))` tokens per second, b being the number of
 *   sequences decoding at that moment. A sequence admitted after its request's prefill ended decodes
 *   all its tokens.
 * - Prefill and decode proceed side by side (chunked prefill without its interference).
 *
 * The state advances as a fluid model between events (a prefill ending, a sequence ending, an
 * arrival, a cancellation), so timer lateness does not accumulate. Streaming listeners hear the
 * decoded token count every `streamIntervalMs` and at every event.
 */
import type { TimingConfig } from "./sim-config.js";

export interface RequestSpec {
  promptTokens: number;
  /** Tokens to generate for each sequence (choice), by choice index. */
  completionTokens: readonly number[];
  /** Told how many tokens choice `choiceIndex` has so far, whenever that number grows. */
  onTokens?: (choiceIndex: number, tokens: number) => void;
}

export interface RequestTiming {
  /** True when cancel() (or close()) ended the request before its sequences finished. */
  cancelled: boolean;
  /** Seconds from submission to the first sequence's admission. */
  queueSeconds: number;
  /** Seconds from submission to the first token of any sequence (null: none was produced). */
  firstTokenSeconds: number | null;
  /** Seconds from submission to the end. */
  e2eSeconds: number;
}

export interface ScheduledRequest {
  /** Resolves (never rejects) when every sequence has finished or the request was cancelled. */
  readonly done: Promise<RequestTiming>;
  /** Frees the request's sequences (a client that went away); no-op once done. */
  cancel(): void;
}

export interface TimingStats {
  /** Sequences in flight now. */
  running: number;
  /** Sequences waiting for a slot now. */
  waiting: number;
  /** Seconds during which at least one sequence was in flight. */
  busySeconds: number;
  /** The integral of the number of sequences in flight over time (seconds × sequences). */
  sequenceSeconds: number;
  /**
   * Seconds from the first request's arrival to the last moment a sequence was in flight: the
   * span over which busy time and batch fill are judged (0 before any request).
   */
  spanSeconds: number;
}

export interface TimingModel {
  submit(spec: RequestSpec): ScheduledRequest;
  stats(): TimingStats;
  /** Cancels everything outstanding and stops the timers. */
  close(): void;
}

export function createTimingModel(latency: "model" | "zero", timing: TimingConfig): TimingModel {
  return latency === "zero" ? new ZeroLatencyModel() : new BatchTimingModel(timing);
}

/** Answers at once: every token is there as soon as the request is submitted. */
export class ZeroLatencyModel implements TimingModel {
  private inFlight = 0;
  private busySeconds = 0;

  submit(spec: RequestSpec): ScheduledRequest {
    this.inFlight += spec.completionTokens.length;
    const began = performance.now();
    let settled = false;
    let resolve!: (timing: RequestTiming) => void;
    const done = new Promise<RequestTiming>((r) => {
      resolve = r;
    });
    const finish = (cancelled: boolean): void => {
      if (settled) return;
      settled = true;
      this.inFlight -= spec.completionTokens.length;
      const seconds = (performance.now() - began) / 1000;
      this.busySeconds += seconds;
      resolve({
        cancelled,
        queueSeconds: 0,
        firstTokenSeconds: cancelled ? null : seconds,
        e2eSeconds: seconds,
      });
    };
    queueMicrotask(() => {
      if (settled) return;
      spec.completionTokens.forEach((tokens, index) => {
        if (tokens > 0) spec.onTokens?.(index, tokens);
      });
      finish(false);
    });
    return { done, cancel: () => finish(true) };
  }

  stats(): TimingStats {
    return {
      running: this.inFlight,
      waiting: 0,
      busySeconds: this.busySeconds,
      sequenceSeconds: 0,
      spanSeconds: this.busySeconds,
    };
  }

  close(): void {}
}

const EPS = 1e-7;

interface Req {
  spec: RequestSpec;
  arrival: number;
  prefillRemaining: number;
  prefillDone: boolean;
  prefilling: boolean;
  unfinished: number;
  firstAdmittedAt: number | null;
  firstTokenAt: number | null;
  settled: boolean;
  resolve: (timing: RequestTiming) => void;
  seqs: Seq[];
}

interface Seq {
  req: Req;
  index: number;
  total: number;
  decoded: number;
  notified: number;
  state: "waiting" | "running" | "finished" | "cancelled";
}

/** The vLLM-like model described at the top of this file. */
export class BatchTimingModel implements TimingModel {
  private waitingQueue: Seq[] = [];
  private readonly running = new Set<Seq>();
  private readonly prefilling = new Set<Req>();
  private last: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private busySeconds = 0;
  private sequenceSeconds = 0;
  private firstArrival: number | undefined;
  private lastBusy: number | undefined;

  constructor(
    private readonly params: TimingConfig,
    private readonly clock: () => number = () => performance.now() / 1000,
  ) {
    this.last = clock();
  }

  submit(spec: RequestSpec): ScheduledRequest {
    this.advance();
    const now = this.last;
    this.firstArrival ??= now;
    let resolve!: (timing: RequestTiming) => void;
    const done = new Promise<RequestTiming>((r) => {
      resolve = r;
    });
    const req: Req = {
      spec,
      arrival: now,
      prefillRemaining: Math.max(0, spec.promptTokens),
      prefillDone: false,
      prefilling: false,
      unfinished: spec.completionTokens.length,
      firstAdmittedAt: null,
      firstTokenAt: null,
      settled: false,
      resolve,
      seqs: [],
    };
    req.seqs = spec.completionTokens.map((tokens, index) => ({
      req,
      index,
      total: Math.max(0, Math.round(tokens)),
      decoded: 0,
      notified: 0,
      state: "waiting" as const,
    }));
    if (this.closed || req.seqs.length === 0) {
      this.settle(req, this.closed);
    } else {
      this.waitingQueue.push(...req.seqs);
      this.settleEvents();
      this.schedule();
    }
    return { done, cancel: () => this.cancel(req) };
  }

  stats(): TimingStats {
    this.sync();
    return {
      running: this.running.size,
      waiting: this.waitingQueue.length,
      busySeconds: this.busySeconds,
      sequenceSeconds: this.sequenceSeconds,
      spanSeconds:
        this.firstArrival === undefined
          ? 0
          : Math.max(0, (this.lastBusy ?? this.firstArrival) - this.firstArrival),
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const reqs = new Set<Req>();
    for (const seq of this.waitingQueue) reqs.add(seq.req);
    for (const seq of this.running) reqs.add(seq.req);
    for (const req of reqs) this.cancel(req);
  }

  private cancel(req: Req): void {
    if (req.settled) return;
    this.advance();
    for (const seq of req.seqs) {
      if (seq.state === "running") this.running.delete(seq);
      if (seq.state === "running" || seq.state === "waiting") seq.state = "cancelled";
    }
    this.waitingQueue = this.waitingQueue.filter((seq) => seq.req !== req);
    this.prefilling.delete(req);
    this.settle(req, true);
    if (!this.closed) {
      this.settleEvents();
      this.schedule();
    }
  }

  private settle(req: Req, cancelled: boolean): void {
    if (req.settled) return;
    req.settled = true;
    const end = this.last;
    req.resolve({
      cancelled,
      queueSeconds: (req.firstAdmittedAt ?? end) - req.arrival,
      firstTokenSeconds: req.firstTokenAt === null ? null : req.firstTokenAt - req.arrival,
      e2eSeconds: end - req.arrival,
    });
  }

  private decodeRate(): number {
    let decoding = 0;
    for (const seq of this.running) if (seq.req.prefillDone) decoding += 1;
    if (decoding === 0) return 0;
    return this.params.decodeTokensPerSecond / (1 + this.params.decodeSlowdown * (decoding - 1));
  }

  private prefillRate(): number {
    return this.prefilling.size === 0 ? 0 : this.params.prefillTokensPerSecond / this.prefilling.size;
  }

  /** Seconds until the next prefill or sequence ends at the current rates (Infinity: none). */
  private nextEventIn(): number {
    let next = Number.POSITIVE_INFINITY;
    const prefillRate = this.prefillRate();
    for (const req of this.prefilling) next = Math.min(next, req.prefillRemaining / prefillRate);
    const decodeRate = this.decodeRate();
    for (const seq of this.running) {
      if (seq.req.prefillDone) next = Math.min(next, (seq.total - seq.decoded) / decodeRate);
    }
    return Math.max(0, next);
  }

  /** Brings the fluid state up to the clock, handling every event on the way at its own time. */
  private advance(): void {
    const target = this.clock();
    while (this.last < target) {
      const next = this.nextEventIn();
      const remaining = target - this.last;
      const step = Math.min(remaining, next);
      const prefillRate = this.prefillRate();
      const decodeRate = this.decodeRate();
      for (const req of this.prefilling) req.prefillRemaining -= prefillRate * step;
      for (const seq of this.running) if (seq.req.prefillDone) seq.decoded += decodeRate * step;
      if (this.running.size > 0) {
        this.busySeconds += step;
        this.sequenceSeconds += step * this.running.size;
        this.lastBusy = this.last + step;
      }
      this.last += step;
      if (next > remaining) break;
      this.settleEvents();
    }
    this.last = Math.max(this.last, target);
  }

  /** Handles every event due now (prefills and sequences ending, admissions) until none is left. */
  private settleEvents(): void {
    for (;;) {
      let changed = false;
      for (const req of [...this.prefilling]) {
        if (req.prefillRemaining > EPS) continue;
        changed = true;
        req.prefillRemaining = 0;
        req.prefillDone = true;
        this.prefilling.delete(req);
        for (const seq of req.seqs) {
          if (seq.state === "running") seq.decoded = Math.min(1, seq.total);
        }
        if (req.seqs.some((seq) => seq.state === "running" && seq.total > 0)) req.firstTokenAt ??= this.last;
      }
      for (const seq of [...this.running]) {
        if (!seq.req.prefillDone || seq.decoded < seq.total - EPS) continue;
        changed = true;
        seq.decoded = seq.total;
        seq.state = "finished";
        this.running.delete(seq);
        this.notify(seq);
        seq.req.unfinished -= 1;
        if (seq.req.unfinished === 0) this.settle(seq.req, false);
      }
      while (this.running.size < this.params.maxNumSeqs && this.waitingQueue.length > 0) {
        const seq = this.waitingQueue.shift() as Seq;
        changed = true;
        seq.state = "running";
        this.running.add(seq);
        const req = seq.req;
        req.firstAdmittedAt ??= this.last;
        if (!req.prefillDone && !req.prefilling) {
          req.prefilling = true;
          this.prefilling.add(req);
        }
      }
      if (!changed) break;
    }
    for (const seq of this.running) this.notify(seq);
  }

  private notify(seq: Seq): void {
    const listener = seq.req.spec.onTokens;
    if (!listener) return;
    const tokens = Math.min(seq.total, Math.floor(seq.decoded + EPS));
    if (tokens <= seq.notified) return;
    seq.notified = tokens;
    if (seq.req.firstTokenAt === null && tokens > 0) seq.req.firstTokenAt = this.last;
    listener(seq.index, tokens);
  }

  /** Brings everything up to the clock, tells listeners, and sets the timer for what comes next. */
  private sync(): void {
    if (this.closed) return;
    this.advance();
    this.settleEvents();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || (this.running.size === 0 && this.waitingQueue.length === 0)) return;
    let wait = this.nextEventIn();
    const streaming = [...this.running].some((seq) => seq.req.prefillDone && seq.req.spec.onTokens);
    if (streaming) wait = Math.min(wait, this.params.streamIntervalMs / 1000);
    if (!Number.isFinite(wait)) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.sync();
      },
      Math.max(1, Math.ceil(wait * 1000)),
    );
  }
}
