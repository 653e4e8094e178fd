/**
 * How many more problems a run admits now, from the endpoint's load (pure). The endpoint's batch
 * (vLLM's max_num_seqs) is the scarce resource: the run keeps about one batch of sequences
 * waiting at the endpoint, so a slot freed is refilled at once, without flooding the queue (which
 * would only hold every problem's results back and its memory in the worker).
 *   - Without load figures (an endpoint without vLLM's /metrics), the fixed window applies.
 *   - With nothing in flight, enough problems to fill two batches are admitted at once.
 *   - Otherwise: (one batch − sequences waiting − sequences of problems admitted moments ago and
 *     not yet asking) ÷ samples per problem, rounded up; never past the window.
 */
export interface EndpointLoad {
  /** Sequences running and waiting at the endpoint (vllm:num_requests_running / _waiting). */
  running: number;
  waiting: number;
}

export interface AdmissionInput {
  load: EndpointLoad | undefined;
  /** The endpoint's batch: configured (`maxNumSeqs`), else learned, else undefined. */
  batch: number | undefined;
  /** Samples per problem (N): what one admitted problem asks for first. */
  n: number;
  inFlight: number;
  window: number;
  /** Sequences of problems admitted so recently that they are not at the endpoint yet. */
  pendingSequences: number;
}

/** The batch when neither configured nor learned: vLLM's default max_num_seqs for small GPUs. */
export const DEFAULT_BATCH = 256;

export function admissionRoom(input: AdmissionInput): number {
  const open = Math.max(0, input.window - input.inFlight);
  if (open === 0) return 0;
  if (!input.load) return open;
  const batch = input.batch ?? DEFAULT_BATCH;
  const n = Math.max(1, input.n);
  if (input.inFlight === 0 && input.pendingSequences === 0)
    return Math.min(open, Math.max(1, Math.ceil((2 * batch) / n)));
  const deficit = batch - input.load.waiting - input.pendingSequences;
  if (deficit <= 0) return 0;
  return Math.min(open, Math.ceil(deficit / n));
}

/**
 * What the endpoint's batch is, learned from its load: while sequences wait, the running ones
 * fill the batch. Returns the larger of what was known and what this sample shows.
 */
export function learnBatch(known: number | undefined, load: EndpointLoad): number | undefined {
  if (load.waiting <= 0 || load.running <= 0) return known;
  return Math.max(known ?? 0, load.running);
}
