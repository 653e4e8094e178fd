import type { ChatMessage } from "../responder";

/** What an S* request asks of the model, told apart by the prompt's own structure. */
export type RequestRole =
  | "generate"
  | "refine"
  | "test_inputs"
  | "adaptive_inputs"
  | "timeout_input"
  | "judge_with_execution"
  | "judge_code_only"
  | "test_result_choice"
  | "unknown";

export interface ClassifiedRequest {
  role: RequestRole;
  /** The DSPy ChatAdapter layout (answer with [[ ## field ## ]] sections), else plain markdown. */
  dspy: boolean;
  /** All the text of the request, for problem recognition and code lookup. */
  text: string;
}

export function classifyRequest(messages: ChatMessage[]): ClassifiedRequest {
  const system = messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n");
  const user = messages
    .filter((m) => m.role !== "system")
    .map((m) => m.content)
    .join("\n");
  const text = `${system}\n${user}`;
  const dspy = system.includes("Your output fields are:") && user.includes("[[ ## ");
  const outputs = dspy
    ? ((system.split("Your output fields are:")[1] ?? "").split("All interactions")[0] ?? "")
    : "";
  let role: RequestRole = "unknown";
  if (dspy) {
    if (outputs.includes("`best_sample_idx`")) {
      // S*'s adaptive layout ("### Execution outputs ###") or Table 3's ("### Execution output ###").
      role = user.includes("### Execution output") ? "judge_with_execution" : "judge_code_only";
    } else if (outputs.includes("`best_idx`")) {
      role = "test_result_choice";
    } else if (outputs.includes("`tests`")) {
      if (system.includes("`completionA`")) role = "adaptive_inputs";
      else role = outputs.includes("single long input") ? "timeout_input" : "test_inputs";
    } else if (outputs.includes("`code`")) {
      role = outputs.includes("past history of your code") ? "refine" : "generate";
    }
  } else if (
    /^Generate an executable Python function generated from the given prompt\./.test(user.trimStart())
  ) {
    role = "generate";
  } else if (/Test Feedback\]:/.test(user)) {
    role = "refine";
  }
  return { role, dspy, text };
}
