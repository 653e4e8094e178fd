import { fencedBlocks, programBlock, unfencedProgram } from "./code-extraction";
import { parseDspySections } from "./dspy-layout";
import type { ProblemKind, PromptLayout } from "./prompts";

/** A parsed answer, or the explicit reason it could not be parsed (never silently empty code). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Removes reasoning-model `<think>…</think>` blocks, and an unterminated one cut by max_tokens. */
export function stripThinking(text: string): string {
  const closed = text.replace(/<think>[\s\S]*?<\/think>/g, "");
  const open = closed.indexOf("<think>");
  return (open >= 0 ? closed.slice(0, open) : closed).trim();
}

/** The last fenced code block, as the reference's raw path extracts code (any fence, any tag). */
export function lastFencedBlock(text: string): string | undefined {
  return fencedBlocks(text).at(-1)?.body;
}

/**
 * The reference's post_process_code, minus its bugs: a leading bare or `py` fence no longer
 * yields empty code, and code without a fence is cut from the prose around it.
 */
export function postProcessCode(code: string): string {
  let text = code;
  const cut = text.indexOf("</code>");
  if (cut >= 0) text = text.slice(0, cut);
  text = text.replace(/<code>/g, "");
  const block = programBlock(text);
  if (block !== undefined) return block.body.trim();
  const bare = unfencedProgram(text);
  return (bare?.code ?? text).trim();
}

export interface ExtractedProgram {
  code: string;
  /** The model's reasoning: the DSPy `reasoning` field, or the text around the code on the raw path. */
  reasoning: string;
}

/**
 * The program in a generation or self-debug answer: the DSPy code field, else the program's
 * fenced block (the last one that reads as Python), else code written without a fence. Real
 * models answer in markdown to DSPy prompts, use ~~~ or odd language tags, put prose or example
 * blocks after the code, or forget the fence: none of that loses the program.
 */
export function extractProgram(text: string, layout: PromptLayout): Parsed<ExtractedProgram> {
  const visible = stripThinking(text);
  if (!visible) return { ok: false, reason: "the answer is empty" };
  if (layout === "dspy") {
    const fields = parseDspySections(visible, ["code"]);
    if (fields) {
      const code = postProcessCode(fields.code ?? "");
      if (!code) return { ok: false, reason: "the code field is empty" };
      return { ok: true, value: { code, reasoning: fields.reasoning ?? "" } };
    }
    // Models often ignore the section layout and answer in markdown; accept a fenced block.
  }
  const block = programBlock(visible);
  if (block?.body.trim())
    return { ok: true, value: { code: block.body.trim(), reasoning: visible.slice(0, block.start).trim() } };
  const bare = unfencedProgram(visible);
  if (bare) return { ok: true, value: { code: bare.code, reasoning: visible.slice(0, bare.start).trim() } };
  const missing =
    layout === "dspy"
      ? "no [[ ## code ## ]] section, no fenced code block and no Python code"
      : "no fenced code block and no Python code";
  return { ok: false, reason: missing };
}

/** The judge's choice: 0 (first), 1 (second) or 2 (equally good or bad). */
export function parseJudgeChoice(text: string): Parsed<0 | 1 | 2> {
  const visible = stripThinking(text);
  const fields = parseDspySections(visible, ["best_sample_idx"]);
  const raw = fields?.best_sample_idx ?? visible;
  const match = /-?\d+/.exec(raw);
  if (!match) return { ok: false, reason: "no best_sample_idx in the answer" };
  const value = Number(match[0]);
  if (value !== 0 && value !== 1 && value !== 2)
    return { ok: false, reason: `best_sample_idx ${value} is not 0, 1 or 2` };
  return { ok: true, value };
}

/** `best_idx` of a test-result choice: an index below `count`, or -1 (the test is broken). */
export function parseTestResultChoice(text: string, count: number): Parsed<number> {
  const visible = stripThinking(text);
  const fields = parseDspySections(visible, ["best_idx"]);
  const raw = fields?.best_idx ?? visible;
  const match = /-?\d+/.exec(raw);
  if (!match) return { ok: false, reason: "no best_idx in the answer" };
  const value = Number(match[0]);
  if (value !== -1 && !(value >= 0 && value < count))
    return { ok: false, reason: `best_idx ${value} is not -1 or an output index below ${count}` };
  return { ok: true, value };
}

export interface GeneratedTest {
  /** stdin text, or the JSON value the model gave as input (a dict of arguments, or one value). */
  input: unknown;
  /** The model's predicted output (never used for grading; optionally shown to the judge). */
  output?: unknown;
}

/**
 * Test inputs written by the test generator or the adaptive input synthesizer, parsed as the
 * reference does: `Input: … Output: …` pairs for stdin; a JSON array or `{"input": …}` objects
 * for call problems. Duplicates are dropped, keeping the first.
 */
export function parseGeneratedTests(text: string, kind: ProblemKind): Parsed<GeneratedTest[]> {
  const visible = stripThinking(text);
  const fields = parseDspySections(visible, ["tests"]);
  const body = fields?.tests ?? visible;
  const tests = kind === "stdin" ? parseStdinPairs(body) : parseJsonTests(body);
  if (tests.length === 0) return { ok: false, reason: "no test inputs could be parsed" };
  const seen = new Set<string>();
  const unique = tests.filter((t) => {
    const key = stableJson(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: true, value: unique };
}

function parseStdinPairs(body: string): GeneratedTest[] {
  const tests: GeneratedTest[] = [];
  for (const block of body.split("Input:")) {
    if (!block.trim()) continue;
    const parts = block.split("Output:");
    if (parts.length !== 2) continue;
    tests.push({ input: `${stripFences(parts[0] ?? "")}\n`, output: `${stripFences(parts[1] ?? "")}\n` });
  }
  return tests;
}

function stripFences(text: string): string {
  return text
    .trim()
    .replace(/^```[A-Za-z]*\n?/, "")
    .replace(/\n?```$/, "")
    .trim();
}

function parseJsonTests(body: string): GeneratedTest[] {
  const cleaned = stripFences(body.replace(/^```json/, "```"));
  if (cleaned.startsWith("[") && cleaned.endsWith("]")) {
    try {
      const items = JSON.parse(cleaned) as unknown;
      if (Array.isArray(items)) return items.filter(isTestObject);
    } catch {
      // fall through to object extraction
    }
  }
  const tests: GeneratedTest[] = [];
  for (const candidate of balancedObjects(cleaned)) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (isTestObject(value)) tests.push(value);
    } catch {
      // a malformed object is skipped; the others still count
    }
  }
  return tests;
}

function isTestObject(value: unknown): value is GeneratedTest {
  return typeof value === "object" && value !== null && "input" in value;
}

/** Top-level `{…}` spans, respecting strings, so nested objects inside an input stay whole. */
function balancedObjects(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

/** JSON with sorted object keys: the reference dedupes tests by this form. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
