import { type BankedProgram, normalizeProgram, type ProgramBank, programFingerprint } from "./program-bank";

interface BankEntry {
  correct: string[];
  wrong: BankedProgram[];
  /** By the exact text (normalised). */
  index: Map<string, BankedProgram>;
  /** By the disguise-invariant fingerprint: every program that has it, in the order added. */
  byFingerprint: Map<string, BankedProgram[]>;
}

/** A program bank held in memory, built from already-checked programs (e.g. a cached mutant pool). */
export class StaticProgramBank implements ProgramBank {
  private readonly byProblem = new Map<string, BankEntry>();

  add(problemId: string, programs: BankedProgram[]): this {
    const entry: BankEntry = this.byProblem.get(problemId) ?? {
      correct: [],
      wrong: [],
      index: new Map(),
      byFingerprint: new Map(),
    };
    for (const p of programs) {
      if (p.correct) entry.correct.push(p.program);
      else entry.wrong.push(p);
      entry.index.set(normalizeProgram(p.program), p);
      const key = programFingerprint(p.program).join("\n");
      if (key === "") continue;
      const same = entry.byFingerprint.get(key) ?? [];
      same.push(p);
      entry.byFingerprint.set(key, same);
    }
    this.byProblem.set(problemId, entry);
    return this;
  }

  correct(problemId: string): string[] {
    return this.byProblem.get(problemId)?.correct ?? [];
  }

  wrong(problemId: string): BankedProgram[] {
    return this.byProblem.get(problemId)?.wrong ?? [];
  }

  /**
   * The exact text first; when that misses (a disguised copy: renamed, top-level, with helpers or
   * a main guard), the program with the same fingerprint; else the longest bank program whose
   * fingerprint lines occur in a row in the given text's (a copy with prose around it). Programs
   * that share a fingerprint but not their correctness are not told apart: undefined.
   */
  lookup(problemId: string, program: string): BankedProgram | undefined {
    const entry = this.byProblem.get(problemId);
    if (!entry) return undefined;
    const exact = entry.index.get(normalizeProgram(program));
    if (exact) return exact;
    const key = programFingerprint(program).join("\n");
    if (key === "") return undefined;
    const same = entry.byFingerprint.get(key);
    if (same) return unambiguous(same);
    const haystack = `\n${key}\n`;
    let best: BankedProgram[] = [];
    let bestLength = 0;
    for (const [candidate, programs] of entry.byFingerprint) {
      if (candidate.length < bestLength || !haystack.includes(`\n${candidate}\n`)) continue;
      if (candidate.length > bestLength) best = [];
      best.push(...programs);
      bestLength = candidate.length;
    }
    return unambiguous(best);
  }
}

function unambiguous(programs: BankedProgram[]): BankedProgram | undefined {
  const first = programs[0];
  if (first === undefined) return undefined;
  return programs.every((p) => p.correct === first.correct) ? first : undefined;
}
