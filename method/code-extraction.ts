/**
 * Finding the program in a model's answer, whatever the model did with it: fenced with ``` or ~~~
 * under any language tag (or none), followed by prose or an example block, left without a fence,
 * or cut off by max_tokens inside its fence. Pure text heuristics; no Python is parsed here.
 */

export interface FencedBlock {
  lang: string;
  body: string;
  /** Where the block's opening fence starts in the text. */
  start: number;
  /** False when the answer ended inside the block (cut off by max_tokens). */
  closed: boolean;
}

const OPENING = /^[ \t]*(```+|~~~+)[ \t]*([A-Za-z0-9_+.#-]*)[^\n]*$/gm;

/** Every fenced block in order; a last one without its closing fence runs to the end. */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let from = 0;
  for (;;) {
    OPENING.lastIndex = from;
    const open = OPENING.exec(text);
    if (!open) break;
    const fence = open[1] as string;
    const bodyStart = open.index + open[0].length + 1;
    const closing = new RegExp(`^[ \\t]*${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`, "gm");
    closing.lastIndex = Math.min(bodyStart, text.length);
    const close = closing.exec(text);
    if (!close) {
      blocks.push({
        lang: (open[2] ?? "").toLowerCase(),
        body: text.slice(bodyStart),
        start: open.index,
        closed: false,
      });
      break;
    }
    blocks.push({
      lang: (open[2] ?? "").toLowerCase(),
      body: text.slice(bodyStart, close.index).replace(/\n$/, ""),
      start: open.index,
      closed: true,
    });
    from = close.index + close[0].length;
  }
  return blocks;
}

const PYTHON_TAGS = new Set(["python", "python3", "py", "py3", ""]);
const CODE_START = /^(def |class |import |from \S+ import |@\w|if __name__|async def )/;
const CODE_LINE =
  /^(\s+\S|#|def |class |import |from \S+ import |@|if |elif |else:|for |while |try:|except|finally:|with |return|print\(|[A-Za-z_][\w.]*(\[[^\]]*\])?\s*(=|\+=|-=|\*=|\/=|,)|[A-Za-z_][\w.]*\(.*\)\s*$|\)|\]|\})/;

/** Does this body read as Python source rather than an example input or output? */
export function looksLikePython(body: string): boolean {
  const lines = body.split("\n").filter((l) => l.trim());
  if (lines.length === 0) return false;
  if (lines.some((l) => CODE_START.test(l))) return true;
  const codeish = lines.filter((l) => CODE_LINE.test(l)).length;
  return codeish / lines.length >= 0.6 && lines.some((l) => /[=(:]/.test(l));
}

/**
 * The program among an answer's fenced blocks: the last one tagged as Python (or untagged) that
 * reads as code — the reference takes the last block, which loses the program when an example
 * output block follows it — else the last block.
 */
export function programBlock(text: string): FencedBlock | undefined {
  const blocks = fencedBlocks(text);
  const code = blocks.filter((b) => PYTHON_TAGS.has(b.lang) && looksLikePython(b.body));
  return code.at(-1) ?? blocks.filter((b) => b.body.trim()).at(-1);
}

/**
 * Code written without any fence: from the first line that starts a Python definition or import
 * to the last line that reads as code (prose after the program is dropped). Undefined when no
 * such line exists.
 */
export function unfencedProgram(text: string): { code: string; start: number } | undefined {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => CODE_START.test(l));
  if (first < 0) return undefined;
  let last = lines.length - 1;
  while (last > first && !isCodeTail(lines[last] as string)) last--;
  const code = lines
    .slice(first, last + 1)
    .join("\n")
    .trim();
  const start = lines.slice(0, first).join("\n").length;
  return code ? { code, start } : undefined;
}

/** A line that can end a program: indented, blank-free code, or a top-level statement (not a sentence). */
function isCodeTail(line: string): boolean {
  if (!line.trim()) return false;
  if (/^\s/.test(line)) return true;
  if (isSentence(line)) return false;
  return CODE_LINE.test(line) || CODE_START.test(line);
}

/** Prose: several words, no code punctuation, usually ending like a sentence. */
function isSentence(line: string): boolean {
  const words = line.trim().split(/\s+/);
  if (words.length < 3) return false;
  if (/^(return|print|if|for|while|with|assert|raise|del|global|import|from)\b/.test(line.trim()))
    return false;
  return /^[A-Z*#-]|[.:!?]$/.test(line.trim()) && !/[=()[\]{}]\s*$/.test(line.trim());
}
