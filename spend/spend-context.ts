import type { ProblemScope } from "./spend-recorder";

/**
 * Who pays for a request: carried from an activity down to the LLM gateway and the executor, so
 * the component that receives a paid response can record it before the activity returns.
 */
export interface ActivitySpend extends ProblemScope {
  problemId: string;
  /**
   * The paying activity execution (its workflow id and activity id). Together with `attempt` it
   * keeps request ids apart when two activities pay for the same cached content at the same time.
   */
  activity: string;
  /** The activity's attempt (Temporal's, from 1): a retry that pays again writes new entries. */
  attempt: number;
}

/** An LLM request's payer: the activity, and the stage, role and endpoint name it asks for. */
export interface LlmSpendContext extends ActivitySpend {
  stage: string;
  role: string;
  /** The endpoint's name in the run configuration (e.g. `vllm`, `openai`, `sim`). */
  endpoint: string;
}

/** A sandbox batch's payer: the activity and the stage it executes for. */
export interface SandboxSpendContext extends ActivitySpend {
  stage: string;
}
