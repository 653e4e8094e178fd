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

/** Functions the realistic profile adds around a program are named with this prefix. */
export const HELPER_PREFIX = "_helper_";

/**
 * A program's identity that survives the realistic profile's disguises: its lines stripped of
 * indentation (top-level or method form), without blank and comment lines, import lines, the
 * `class Solution` line, `if __name__ == …:` guards, top-level `_helper_…` functions and a
 * leading `self` parameter, and with every name a `def` defines replaced by `_F` (the method's
 * name under any rename). Two programs with the same fingerprint differ only in what disguises
 * change.
 */
export function programFingerprint(program: string): string[] {
  const lines = program.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  let inHelper = false;
  for (const line of lines) {
    if (line.startsWith(`def ${HELPER_PREFIX}`)) {
      inHelper = true;
      continue;
    }
    if (inHelper) {
      if (line.trim() === "" || /^[ \t]/.test(line)) continue;
      inHelper = false;
    }
    kept.push(line);
  }
  const defined = [...kept.join("\n").matchAll(/^[ \t]*def\s+(\w+)/gm)].map((m) => m[1] as string);
  const names =
    defined.length > 0 ? new RegExp(`\\b(?:${[...new Set(defined)].join("|")})\\b`, "g") : undefined;
  const out: string[] = [];
  for (const raw of kept) {
    let line = raw.trim().replace(/\s+/g, " ");
    if (line === "" || line.startsWith("#")) continue;
    if (/^(?:import\s|from\s+\S+\s+import\s)/.test(line)) continue;
    if (/^class Solution\b/.test(line)) continue;
    if (/^if \(?\s*__name__\s*==/.test(line)) continue;
    if (line === "self," || line === "self") continue;
    line = line.replace(/^(def \w+ ?\() ?self ?(?:, ?|(?=\)))/, "$1");
    if (names) line = line.replace(names, "_F");
    out.push(line);
  }
  return out;
}
