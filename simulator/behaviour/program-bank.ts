/** A problem the simulated model knows: its statement (to recognise it) and its tests. */
export interface KnownProblem {
  id: string;
  content: string;
  difficulty: "easy" | "medium" | "hard";
  kind: "stdin" | "call";
  funcName?: string;
  /** Public then hidden tests; inputs are what a test generator may propose. */
  publicTests: { input: string; expected: string }[];
  privateTests: { input: string; expected: string }[];
}

export interface BankedProgram {
  program: string;
  correct: boolean;
  /** Tests it fails, as indices into publicTests followed by privateTests. Empty when correct. */
  failingTests: number[];
  /** For wrong programs: the mutation that made it (off_by_one, crash, …). */
  kind?: string;
}

/** The programs the simulated model can answer with: correct ones and checked wrong ones. */
export interface ProgramBank {
  correct(problemId: string): string[];
  wrong(problemId: string): BankedProgram[];
  /** What is known of a program text (after whitespace normalisation), e.g. to judge it. */
  lookup(problemId: string, program: string): BankedProgram | undefined;
}

/** Programs compared for identity ignore trailing spaces and blank lines, as a model's copy would. */
export function normalizeProgram(program: string): string {
  return program
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0)
    .join("\n")
    .trim();
}
