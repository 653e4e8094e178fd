import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readNamedJson } from "../config/read-named-file";
import { loadSimConfig } from "../simulator/sim-config";
import { tempDir } from "./helpers/processes";
import { runSstar } from "./helpers/sstar-cli";

// A file given by the user that is a folder, or corrupt, is named in the error, with what is wrong.
describe("files that cannot be read or parsed", () => {
  const dir = tempDir("named-files");

  it("sstar run with a folder or corrupt YAML as its configuration: exit 2 naming the file", async () => {
    const folder = join(dir, "config.yaml");
    mkdirSync(folder, { recursive: true });
    const corrupt = join(dir, "corrupt.yaml");
    writeFileSync(corrupt, "name: x\n  budget: [\n");
    const [asFolder, asCorrupt] = await Promise.all([
      runSstar(["--data-dir", dir, "run", folder], {}, 60_000),
      runSstar(["--data-dir", dir, "run", corrupt], {}, 60_000),
    ]);
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr.trim()).toBe(`sstar: ${folder}: cannot read: it is a folder, not a file`);
    expect(asCorrupt.code).toBe(2);
    expect(asCorrupt.stderr.trim()).toMatch(new RegExp(`^sstar: ${corrupt}: not valid YAML: `));
  });

  it("a corrupt JSON file names the file; a folder given to the simulator's config names it", () => {
    const file = join(dir, "summary.json");
    writeFileSync(file, '{"run_id": ');
    expect(() => readNamedJson(file)).toThrow(new RegExp(`^${file}: not valid JSON: `));
    expect(() => readNamedJson(dir)).toThrow(`${dir}: cannot read: it is a folder, not a file`);
    expect(() => loadSimConfig(dir)).toThrow(`${dir}: cannot read: it is a folder, not a file`);
  });

  it("sstar status of a run whose summary.json is corrupt names that file", async () => {
    const runDir = join(dir, "runs", "broken-run");
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "config.json"), "{}\n");
    writeFileSync(join(runDir, "summary.json"), '{"run_id": ');
    const ran = await runSstar(
      ["--data-dir", dir, "status", "broken-run"],
      { TEMPORAL_ADDRESS: undefined },
      60_000,
    );
    expect(ran.code, ran.stderr).toBe(2);
    expect(ran.stderr).toContain(`${join(runDir, "summary.json")}: not valid JSON`);
  });
});
