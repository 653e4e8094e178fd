import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { ensureChromiumInstalled, runChromium } from "./helpers/chromium";
import { decodePng } from "./helpers/png";
import { tempDir } from "./helpers/processes";
import { type CliResult, runSstar } from "./helpers/sstar-cli";

/** Screenshots are kept here for a person (or CI) to look at; the folder is git-ignored. */
const ARTIFACTS = join(projectRoot, "test-artifacts", "report-chromium");
const FIXTURE = join(projectRoot, "tests", "fixtures", "report", "sweep-settings.json");

describe("sstar report's HTML in headless Chromium", () => {
  const dataDir = tempDir("report-chromium");
  const htmlFile = join(dataDir, "sweep-report.html");
  let chromium: string;
  let report: CliResult;

  beforeAll(async () => {
    chromium = ensureChromiumInstalled();
    const runDir = join(dataDir, "runs", "fixture-sweep");
    mkdirSync(runDir, { recursive: true });
    copyFileSync(FIXTURE, join(runDir, "settings.json"));
    report = await runSstar(["--data-dir", dataDir, "report", "fixture-sweep", "--html", htmlFile]);
  });

  it("prints the per-setting table and writes the HTML file", () => {
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain("report fixture-sweep (sweep, 20 settings");
    expect(report.stdout).toMatch(/setting\s+method\s+problems\s+pass@1 %\s+easy %\s+hard %\s+medium %/);
    expect(report.stderr).toContain(`report written to ${htmlFile}`);
    expect(readFileSync(htmlFile, "utf8")).toContain("<svg ");
  });

  it("renders every plot (each SVG lays out non-empty marks)", async () => {
    const dom = await runChromium(
      chromium,
      ["--dump-dom", pathToFileURL(htmlFile).href],
      join(dataDir, "chromium-dom"),
    );
    expect(dom).toContain('data-plots-checked="true"');
    const states = [...dom.matchAll(/<figure class="plot" id="([\w-]+)" data-rendered="(\w+)"/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(states).toEqual([
      ["plot-pareto", "ok"],
      ["plot-stages", "ok"],
      ["plot-methods", "ok"],
    ]);
  });

  it("keeps a non-blank screenshot", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, "sweep-report.png");
    await runChromium(
      chromium,
      [`--screenshot=${png}`, "--window-size=1280,2000", pathToFileURL(htmlFile).href],
      join(dataDir, "chromium-shot"),
    );
    const image = decodePng(readFileSync(png));
    expect([image.width, image.height]).toEqual([1280, 2000]);
    let inked = 0;
    const colours = new Set<number>();
    for (let i = 0; i < image.pixels.length; i += image.channels) {
      const [r, g, b] = [image.pixels[i] ?? 0, image.pixels[i + 1] ?? 0, image.pixels[i + 2] ?? 0];
      if (r < 200 || g < 200 || b < 200) inked++;
      if (colours.size < 1000) colours.add((r << 16) | (g << 8) | b);
    }
    // Text, tables and three plots: well over 1% of the page is drawn, in many colours.
    expect(inked / (image.width * image.height)).toBeGreaterThan(0.01);
    expect(colours.size).toBeGreaterThan(10);
  });
});
