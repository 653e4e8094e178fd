import type { Command } from "commander";
import { checkAll } from "../../runtime/prerequisites";
import { formatTable } from "../table";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check what sstar needs on this machine (node, Temporal, gVisor, python3); exit 0 only when all is usable",
    )
    .option("--json", "print the findings as JSON")
    .action(async (options: { json?: boolean }) => {
      const findings = await checkAll();
      if (options.json) {
        console.log(JSON.stringify({ ok: findings.every((f) => f.ok), findings }, null, 2));
      } else {
        console.log(
          formatTable(
            ["", "component", "found", "note"],
            findings.map((f) => [f.ok ? "ok" : "MISSING", f.name, f.found, f.detail]),
          ),
        );
      }
      const broken = findings.filter((f) => !f.ok);
      for (const f of broken) console.error(`sstar doctor: ${f.name}: ${f.detail}`);
      process.exitCode = broken.length === 0 ? 0 : 1;
    });
}
