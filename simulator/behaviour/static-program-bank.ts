import { type BankedProgram, normalizeProgram, type ProgramBank } from "./program-bank";

interface BankEntry {
  correct: string[];
  wrong: BankedProgram[];
  index: Map<string, BankedProgram>;
}

/** A program bank held in memory, built from already-checked programs (e.g. a cached mutant pool). */
export class StaticProgramBank implements ProgramBank {
  private readonly byProblem = new Map<
    string,
    { correct: string[]; wrong: BankedProgram[]; index: Map<string, BankedProgram> }
  >();

  add(problemId: string, programs: BankedProgram[]): this {
    const entry: BankEntry = this.byProblem.get(problemId) ?? { correct: [], wrong: [], index: new Map() };
    for (const p of programs) {
      if (p.correct) entry.correct.push(p.program);
      else entry.wrong.push(p);
      entry.index.set(normalizeProgram(p.program), p);
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

  lookup(problemId: string, program: string): BankedProgram | undefined {
    return this.byProblem.get(problemId)?.index.get(normalizeProgram(program));
  }
}
