// `npm run bench -- <name> [flags]`: runs one benchmark, prints its figures (one JSON object with
// --json) and writes them to bench/results/.
import { adaptiveBudget } from "./adaptive-budget";
import { saturation } from "./saturation";
import { scale } from "./scale";

const BENCHMARKS: Record<string, (args: string[]) => Promise<Record<string, unknown>>> = {
  "adaptive-budget": adaptiveBudget,
  saturation,
  scale,
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join("|")}> [--problems K] [--json]`);
  process.exit(2);
}
const figures = await bench(args);
console.log(args.includes("--json") ? JSON.stringify(figures) : JSON.stringify(figures, null, 2));
