// Synthetic benchmark problems for the scale and saturation benchmarks: K variants of sstar's own
// demo problems (demo/demo-problems.jsonl), each with its own id and a statement that differs at
// its end (so no response cache or seed is shared between variants, while the simulator still
// recognises the statement it knows), and hidden tests trimmed to a few KB so 10,000 rows stay small.
// Usage: node --import tsx scripts/synthesize-problems.ts --problems K --out FILE [--hidden-bytes 4096]
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../runtime/paths";

export const DEMO_PROBLEMS = join(projectRoot, "demo", "demo-problems.jsonl");

interface Row {
  question_id: string;
  question_content: string;
  private_test_cases: string;
  [key: string]: unknown;
}

/** The i-th synthetic variant of a base row. */
export function variantOf(base: Row, i: number, hiddenBytes: number): Row {
  const hidden = JSON.parse(base.private_test_cases) as unknown[];
  const kept: unknown[] = [];
  let bytes = 0;
  for (const test of hidden) {
    const size = JSON.stringify(test).length;
    if (kept.length > 0 && bytes + size > hiddenBytes) continue;
    kept.push(test);
    bytes += size;
  }
  return {
    ...base,
    question_id: `synth_${String(i).padStart(5, "0")}_${base.question_id}`,
    question_content: `${base.question_content}\n\n(Synthetic variant ${i} of ${base.question_id}.)`,
    private_test_cases: JSON.stringify(kept),
  };
}

/** Writes K variants, cycling through the base rows; resolves when the file is flushed. */
export async function writeSyntheticProblems(
  out: string,
  problems: number,
  hiddenBytes = 4096,
): Promise<void> {
  const bases = readFileSync(DEMO_PROBLEMS, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
  const stream = createWriteStream(out);
  for (let i = 0; i < problems; i++) {
    const line = `${JSON.stringify(variantOf(bases[i % bases.length] as Row, i, hiddenBytes))}\n`;
    if (!stream.write(line)) await new Promise<void>((r) => stream.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) =>
    stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

if (process.argv[1]?.endsWith("synthesize-problems.ts")) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const problems = Number(flag("--problems"));
  const out = flag("--out");
  if (!Number.isInteger(problems) || problems < 1 || !out) {
    console.error("usage: synthesize-problems.ts --problems K --out FILE [--hidden-bytes N]");
    process.exit(2);
  }
  await writeSyntheticProblems(out, problems, Number(flag("--hidden-bytes") ?? 4096));
  writeFileSync(1, `${out}: ${problems} problems\n`);
}
