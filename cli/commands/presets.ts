import type { Command } from "commander";
import { presetCatalog } from "../../config/preset-catalog";
import { formatTable } from "../table";

/** Prints the presets: a table, or with `json` one JSON array of {name, model, n, r, grader, description}. */
export function printPresets(json: boolean): void {
  const catalog = presetCatalog();
  if (json) {
    console.log(JSON.stringify(catalog, null, 2));
    return;
  }
  console.log(
    formatTable(
      ["preset", "model", "N", "R", "grader"],
      catalog.map((p) => [p.name, p.model, String(p.n), String(p.r), p.grader]),
    ),
  );
  console.log(
    "\nEach preset's description (what it runs, what it changes from the reference): sstar presets --json",
  );
}

export function registerPresets(program: Command): void {
  program
    .command("presets")
    .description("list the run presets with model, N, R and grader (docs/presets.md)")
    .option("--json", "print them as a JSON array with each preset's description")
    .action((options: { json?: boolean }) => printPresets(!!options.json));
}
