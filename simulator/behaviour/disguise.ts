/**
 * The realistic profile's disguises: what real code models do to the code they write and to the
 * answer around it. Program disguises are text rewrites that keep the program the same program
 * (a renamed correct program is still correct when called by its new name); each one is applied
 * only where a conservative check shows that it is safe, else the program is left as it is.
 *
 * Every knob draws from its own seeded stream (one per answer and knob), so whether a disguise
 * happens does not depend on the program, on whether it is correct, or on the other knobs.
 */
import { SeededRandom } from "../../method/seeded-random";
import { countTokens, tokenPieces } from "../token-counter";
import type { RealismRates } from "./behaviour-config";
import { HELPER_PREFIX } from "./program-bank";

/** Names of the disguises, as the request log's `disguise` field lists them. */
export type Disguise =
  | "snake_case_name"
  | "solve_name"
  | "top_level_function"
  | "helpers_and_imports"
  | "main_guard"
  | "no_fence"
  | "wrong_fence"
  | "prose_after"
  | "think_block"
  | "truncated"
  | "empty"
  | "markdown_on_dspy";

/** One answer's draws: a seeded stream per knob, from the answer's key. */
export class RealismDraws {
  constructor(private readonly key: readonly (string | number)[]) {}

  stream(knob: string): SeededRandom {
    return new SeededRandom(...this.key, "realism", knob);
  }

  /** One uniform draw of `knob`. */
  uniform(knob: string): number {
    return this.stream(knob).next();
  }
}

export interface DisguisedProgram {
  program: string;
  applied: Disguise[];
  /** The name a call-based program's entry point has now (its reference name when not renamed). */
  entryName?: string;
}

/** What the model writes: the program, disguised by the profile's program knobs. */
export function disguiseProgram(
  program: string,
  kind: "call" | "stdin",
  funcName: string | undefined,
  rates: RealismRates,
  draws: RealismDraws,
): DisguisedProgram {
  const applied: Disguise[] = [];
  let text = program;
  if (kind === "stdin") {
    if (draws.uniform("main_guard") < rates.mainGuard) {
      const guarded = addMainGuard(text);
      if (guarded !== undefined) {
        text = guarded;
        applied.push("main_guard");
      }
    }
    return { program: text, applied };
  }
  let entryName = funcName ?? solutionMethodName(text);
  const name = draws.uniform("rename");
  if (entryName !== undefined && name < rates.snakeCaseName + rates.solveName) {
    const snake = name < rates.snakeCaseName;
    const renamed = renameEntry(text, entryName, snake ? snakeCase(entryName) : "solve");
    if (renamed !== undefined) {
      text = renamed.program;
      entryName = renamed.name;
      applied.push(snake ? "snake_case_name" : "solve_name");
    }
  }
  if (draws.uniform("top_level") < rates.topLevelFunction) {
    const flat = toTopLevel(text);
    if (flat !== undefined) {
      text = flat;
      applied.push("top_level_function");
    }
  }
  const helpers = draws.stream("helpers");
  if (helpers.next() < rates.helpersAndImports) {
    const decorated = addHelpersAndImports(text, entryName, helpers);
    if (decorated !== undefined) {
      text = decorated;
      applied.push("helpers_and_imports");
    }
  }
  return { program: text, applied, ...(entryName !== undefined ? { entryName } : {}) };
}

/** maxSum -> max_sum, countKConstraintSubstrings -> count_k_constraint_substrings, getXORSum -> get_xor_sum. */
export function snakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

const CLASS_LINE = /^class\s+Solution\s*(?:\(\s*(?:object)?\s*\))?\s*:\s*(?:#.*)?$/;

/** The first method of `class Solution`, when the problem names none. */
function solutionMethodName(program: string): string | undefined {
  const lines = program.split("\n");
  const start = lines.findIndex((l) => CLASS_LINE.test(l));
  if (start < 0) return undefined;
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+def\s+([A-Za-z]\w*)\s*\(/.exec(line);
    if (match) return match[1];
    if (line.trim() !== "" && !/^\s/.test(line) && !line.startsWith("#")) return undefined;
  }
  return undefined;
}

/**
 * Renames the entry point: only when every occurrence of its name is its one `def`, `self.name`
 * or `Solution(…).name` (so no string, attribute of another object or nested function is touched),
 * and the new name occurs nowhere yet.
 */
function renameEntry(
  program: string,
  from: string,
  to: string,
): { program: string; name: string } | undefined {
  if (from === to || !/^\w+$/.test(from) || !/^\w+$/.test(to)) return undefined;
  if (new RegExp(`\\b${to}\\b`).test(program)) return undefined;
  const all = program.match(new RegExp(`\\b${from}\\b`, "g"))?.length ?? 0;
  const allowed = new RegExp(
    `(\\bdef\\s+|\\bself\\s*\\.\\s*|\\bSolution\\s*(?:\\(\\s*\\))?\\s*\\.\\s*)${from}\\b`,
    "g",
  );
  const safe = program.match(allowed)?.length ?? 0;
  const defs = program.match(new RegExp(`\\bdef\\s+${from}\\b`, "g"))?.length ?? 0;
  if (all === 0 || all !== safe || defs !== 1) return undefined;
  return { program: program.replace(allowed, `$1${to}`), name: to };
}

/** Python's builtins: a method of that name cannot become a module function without shadowing one. */
const BUILTINS = new Set(
  (
    "abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile " +
    "complex delattr dict dir divmod enumerate eval exec filter float format frozenset getattr globals " +
    "hasattr hash help hex id input int isinstance issubclass iter len list locals map max memoryview " +
    "min next object oct open ord pow print property range repr reversed round set setattr slice sorted " +
    "staticmethod str sum super tuple type vars zip __import__"
  ).split(" "),
);

/**
 * `class Solution:` with its methods -> the methods as top-level functions without `self`. Only
 * when that cannot change what the program does: the class body holds nothing but plain methods
 * (no decorators, class attributes or multi-line signatures closing at the body's indentation),
 * whose first parameter is `self` and which never use `self` otherwise, `super` or `__class__`;
 * `Solution` is not named anywhere else; no method name is a builtin or occurs anywhere but in its
 * own `def`; indentation is spaces only; no multi-line string or backslash continuation would be
 * re-indented.
 */
export function toTopLevel(program: string): string | undefined {
  const lines = program.split("\n");
  const start = lines.findIndex((l) => CLASS_LINE.test(l));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length) {
    const line = lines[end] as string;
    if (line.trim() !== "" && !/^\s/.test(line) && !line.startsWith("#")) break;
    end++;
  }
  const block = lines.slice(start + 1, end);
  const firstCode = block.find((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  const indent = firstCode === undefined ? "" : (/^ +/.exec(firstCode)?.[0] ?? "");
  if (indent === "") return undefined;
  const methods: string[] = [];
  for (const line of block) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const lead = /^[ \t]*/.exec(line)?.[0] ?? "";
    if (lead.includes("\t")) return undefined;
    if (trimmed.startsWith("#")) continue;
    if (lead.length < indent.length) return undefined;
    if (lead.length === indent.length) {
      const def = /^def\s+(\w+)\s*\(/.exec(trimmed);
      if (!def) return undefined;
      methods.push(def[1] as string);
    }
    if (line.trimEnd().endsWith("\\")) return undefined;
    if ((line.match(/"""|'''/g)?.length ?? 0) % 2 === 1) return undefined;
  }
  if (methods.length === 0) return undefined;
  if ((program.match(/\bSolution\b/g)?.length ?? 0) !== 1) return undefined;
  const body = block.join("\n");
  if (/\bsuper\b|__class__/.test(body)) return undefined;
  for (const name of methods) {
    if (BUILTINS.has(name)) return undefined;
    if ((program.match(new RegExp(`\\b${name}\\b`, "g"))?.length ?? 0) !== 1) return undefined;
  }
  let withoutSelf = 0;
  const stripped = body.replace(
    new RegExp(`^(${indent}def\\s+\\w+\\s*\\(\\s*)self\\s*(?:,\\s*|(?=\\)))`, "gm"),
    (_m, head: string) => {
      withoutSelf++;
      return head;
    },
  );
  if (withoutSelf !== methods.length || /\bself\b/.test(stripped)) return undefined;
  const dedented = stripped
    .split("\n")
    .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
  return [...lines.slice(0, start), ...dedented, ...lines.slice(end)].join("\n");
}

const HELPERS = [
  "def _helper_gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a",
  "def _helper_prefix_sums(values):\n    sums = [0]\n    for value in values:\n        sums.append(sums[-1] + value)\n    return sums",
  "def _helper_in_bounds(i, j, rows, cols):\n    return 0 <= i < rows and 0 <= j < cols",
  "def _helper_chunks(items, size):\n    return [items[k : k + size] for k in range(0, len(items), size)]",
];

const EXTRA_IMPORTS = [
  "import sys",
  "import math",
  "import heapq",
  "import bisect",
  "import itertools",
  "from collections import defaultdict, Counter, deque",
  "from functools import lru_cache",
  "from typing import List, Optional",
];

/**
 * One or two extra imports at the top and an unused `_helper_…` function right before the main
 * function (the class, or the top-level entry function). Imports only bind modules and names of
 * the standard library that a later definition of the program overrides; the helper's name is new.
 */
function addHelpersAndImports(
  program: string,
  entryName: string | undefined,
  rng: SeededRandom,
): string | undefined {
  if (program.includes(HELPER_PREFIX) || program.includes("__future__")) return undefined;
  const lines = program.split("\n");
  let at = lines.findIndex((l) => CLASS_LINE.test(l));
  if (at < 0 && entryName !== undefined)
    at = lines.findIndex((l) => new RegExp(`^def\\s+${entryName}\\s*\\(`).test(l));
  if (at < 0) return undefined;
  while (at > 0 && (lines[at - 1] as string).startsWith("@")) at--;
  const helper = rng.pick(HELPERS);
  const present = new Set(lines.map((l) => l.trim()));
  const imports = rng.sample(EXTRA_IMPORTS, 1 + rng.int(2)).filter((i) => !present.has(i));
  const out = [...lines.slice(0, at), ...helper.split("\n"), "", "", ...lines.slice(at)];
  return [...imports, ...(imports.length > 0 ? [""] : []), ...out].join("\n");
}

/** A stdin program ending with `main()` (a function it defines): the call under a main guard. */
export function addMainGuard(program: string): string | undefined {
  if (program.includes("__name__")) return undefined;
  const lines = program.trimEnd().split("\n");
  const last = lines.length - 1;
  const call = /^([A-Za-z_]\w*)\(\)\s*$/.exec(lines[last] ?? "");
  if (!call) return undefined;
  const name = call[1] as string;
  if (!new RegExp(`^def\\s+${name}\\s*\\(`, "m").test(program)) return undefined;
  lines[last] = `if __name__ == "__main__":\n    ${name}()`;
  return `${lines.join("\n")}\n`;
}

const WRONG_FENCES: readonly { open: string; close: string }[] = [
  { open: "```py", close: "```" },
  { open: "```Python", close: "```" },
  { open: "```", close: "```" },
  { open: "~~~", close: "~~~" },
];

const PROSE_AFTER = [
  "This runs in O(n log n) time because of the sort, with O(n) extra memory.",
  "The solution is O(n) in time and space: every element is handled a constant number of times.",
  "Time complexity: O(n^2) in the worst case, which is fine for the given constraints.",
  "Each step only looks at the current element and the running state, so it is linear overall.",
];

const RAMBLE = [
  "Wait, let me double-check the boundary cases once more before writing the final version.",
  "Actually, I should reconsider whether the greedy step is always safe here.",
  "Let me trace the first example by hand again to be sure the indices line up.",
  "Hmm, the constraints allow a quadratic pass, but a linear one is cleaner.",
  "I want to make sure equal values are handled the same way as in the statement.",
];

/** What a code answer is made of, before the profile writes it. */
export interface CodeDraft {
  /** The reasoning prose. */
  why: string;
  /** The program (already disguised). */
  program: string;
  /** The prompt asked for DSPy's [[ ## … ## ]] sections. */
  dspy: boolean;
}

export interface WrittenAnswer {
  text: string;
  /** The <think> block, counted as reasoning tokens. */
  reasoning?: string;
  cutAfterTokens?: number;
  applied: Disguise[];
}

/** Answers longer than this are not padded to reach max_tokens (see writeCodeAnswer). */
const MAX_PADDED_TOKENS = 16384;

/**
 * The answer's text: the layout (DSPy sections, or markdown with `markdownOnDspy`), the fence (or
 * none, or a wrong one), prose after the code, a <think> block (`thinking`, the thinkWords block,
 * wins over the profile's), and an empty or cut-off answer. A cut-off answer ends inside the code:
 * when the request set `maxTokens` (up to 16384), its reasoning rambles on so that the limit falls
 * there (completion_tokens = max_tokens, as a model that ran out of tokens); otherwise it stops at
 * a random point of the code as if a limit had been reached there.
 */
export function writeCodeAnswer(
  draft: CodeDraft,
  rates: RealismRates,
  draws: RealismDraws,
  thinking: string,
  maxTokens: number | undefined,
): WrittenAnswer {
  const applied: Disguise[] = [];
  const markdown = draft.dspy && draws.uniform("markdown") < rates.markdownOnDspy;
  if (markdown) applied.push("markdown_on_dspy");
  const fenceDraws = draws.stream("fence");
  const fenceDraw = fenceDraws.next();
  let fence: { open: string; close: string } | undefined = { open: "```python", close: "```" };
  if (fenceDraw < rates.noFence) {
    fence = undefined;
    applied.push("no_fence");
  } else if (fenceDraw < rates.noFence + rates.wrongFence) {
    fence = fenceDraws.pick(WRONG_FENCES);
    applied.push("wrong_fence");
  }
  const proseDraws = draws.stream("prose_after");
  const after = proseDraws.next() < rates.proseAfter ? proseDraws.pick(PROSE_AFTER) : undefined;
  if (after !== undefined) applied.push("prose_after");
  let think = thinking;
  const thinkDraws = draws.stream("think");
  if (thinkDraws.next() < rates.thinkBlock && thinking === "") {
    const words: string[] = [];
    const count = 20 + thinkDraws.int(100);
    while (words.length < count) words.push(...thinkDraws.pick(RAMBLE).split(" "));
    think = `<think>\n${words.slice(0, count).join(" ")}\n</think>\n\n`;
    applied.push("think_block");
  }
  const endDraws = draws.stream("end");
  const endDraw = endDraws.next();
  if (endDraw < rates.empty) return { text: "", applied: [...applied, "empty"] };
  const truncated = endDraw < rates.empty + rates.truncated;

  const program = draft.program.trimEnd();
  const assemble = (why: string): { text: string; codeStart: number; codeEnd: number } => {
    const lead = fence ? `${fence.open}\n` : "";
    const tail = `${fence ? `\n${fence.close}` : ""}${after ? `\n\n${after}` : ""}`;
    const sections = draft.dspy && !markdown;
    const prose = fence || sections ? why : `${why} Here is the complete program:`;
    const before = sections
      ? `${think}[[ ## reasoning ## ]]\n${prose}\n\n[[ ## code ## ]]\n${lead}`
      : `${think}${prose}\n\n${lead}`;
    const closing = sections ? `${tail}\n\n[[ ## completed ## ]]` : tail;
    return {
      text: `${before}${program}${closing}`,
      codeStart: before.length,
      codeEnd: before.length + program.length,
    };
  };
  const written = assemble(draft.why);
  const reasoning = think === "" ? {} : { reasoning: think };
  if (!truncated) return { text: written.text, ...reasoning, applied };

  applied.push("truncated");
  const where = 0.2 + 0.6 * endDraws.next();
  const codeTokens = (text: string, codeStart: number, codeEnd: number) => {
    let chars = 0;
    let first = -1;
    let last = -1;
    tokenPieces(text).forEach((piece, i) => {
      chars += piece.length;
      if (first < 0 && chars > codeStart) first = i;
      if (last < 0 && chars >= codeEnd) last = i;
    });
    return { first, last };
  };
  const inside = (text: { text: string; codeStart: number; codeEnd: number }) => {
    const { first, last } = codeTokens(text.text, text.codeStart, text.codeEnd);
    // Cut after `cut` tokens: at least one code token is kept and at least one is lost.
    return { first, last, cut: first + 1 + Math.floor(Math.max(0, last - first - 1) * where) };
  };
  const plain = inside(written);
  if (maxTokens === undefined || maxTokens > MAX_PADDED_TOKENS || plain.cut >= maxTokens) {
    const cut = Math.min(plain.cut, maxTokens ?? Number.POSITIVE_INFINITY);
    return { text: written.text, ...reasoning, cutAfterTokens: cut, applied };
  }
  // Ramble in the reasoning until the token limit falls inside the code.
  const need = maxTokens - plain.cut;
  const ramble = draws.stream("ramble");
  const pad: string[] = [];
  let padTokens = 0;
  while (padTokens < need) {
    const sentence = ramble.pick(RAMBLE);
    pad.push(sentence);
    padTokens += countTokens(` ${sentence}`);
  }
  let padded = assemble(`${draft.why} ${pad.join(" ")}`);
  let at = inside(padded);
  // Token counts are not exactly additive: drop words until the limit is inside the code again.
  const words = pad.join(" ").split(" ");
  while (at.first >= maxTokens && words.length > 0) {
    words.splice(Math.max(0, words.length - Math.max(1, at.first - maxTokens + 1)));
    padded = assemble(words.length > 0 ? `${draft.why} ${words.join(" ")}` : draft.why);
    at = inside(padded);
  }
  const cut = at.first < maxTokens && maxTokens <= at.last ? maxTokens : Math.min(at.cut, maxTokens);
  return { text: padded.text, ...reasoning, cutAfterTokens: cut, applied };
}
