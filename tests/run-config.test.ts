import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadRunConfig } from "../config/load-run-config";
import { PRESETS } from "../config/presets";
import { roleConfig } from "../config/run-config";
import { tempDir } from "./helpers/processes";

describe("run presets", () => {
  it.each(Object.keys(PRESETS))("%s validates", (name) => {
    expect(loadRunConfig(name).name).toBe(name);
  });

  it("reproduce the reference's role assignments for reasoning models", () => {
    const config = loadRunConfig("sstar-r1-distill-qwen-32b");
    expect(config.roles.generator).toMatchObject({ layout: "raw", sampling: {} });
    expect(roleConfig(config, "debugger").model).toBe("gpt-4o-mini-2024-07-18");
    expect(roleConfig(config, "judge").sampling.temperature).toBe(0);
    expect(config.budget).toMatchObject({ n: 16, rounds: 3, includeReasoning: false });
  });

  it("cap DSPy-path completions at 1000 tokens, as DSPy 2.6 did", () => {
    expect(loadRunConfig("sstar-qwen2.5-coder-7b").roles.generator.sampling).toEqual({
      temperature: 0.7,
      maxTokens: 1000,
    });
  });
});

describe("loadRunConfig", () => {
  it("applies flag overrides", () => {
    const config = loadRunConfig("sstar-qwen2.5-coder-7b", {
      endpoint: "http://10.0.0.5:8000/v1",
      model: "m",
      n: 4,
      rounds: 2,
      limit: 5,
      seed: 7,
    });
    expect(Object.keys(config.endpoints)).toEqual(["override"]);
    expect(config.endpoints.override?.baseUrl).toBe("http://10.0.0.5:8000/v1");
    expect(roleConfig(config, "judge")).toMatchObject({ endpoint: "override", model: "m" });
    expect(config.budget).toMatchObject({ n: 4, rounds: 2 });
    expect(config.dataset.limit).toBe(5);
    expect(config.seed).toBe(7);
  });

  it("names every bad key of a file, and refuses unknown selection methods", () => {
    const file = join(tempDir("config"), "bad.yaml");
    writeFileSync(
      file,
      [
        "dataset: { path: x.jsonl, difficulty: [easy, extreme] }",
        "endpoints: { local: { baseUrl: http://localhost:8000/v1 } }",
        "roles: { generator: { endpoint: local, model: m, temprature: 0.7 } }",
        "selection: [ { method: generated_tests_notimeout } ]",
        "budget: { n: 0 }",
      ].join("\n"),
    );
    let message = "";
    try {
      loadRunConfig(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    const lines = message.split("\n");
    expect(lines).toContain(
      `${file}: dataset.difficulty[1]: Invalid option: expected one of "easy"|"medium"|"hard"`,
    );
    expect(lines).toContain(`${file}: roles.generator: Unrecognized key: "temprature"`);
    expect(lines.some((l) => l.startsWith(`${file}: selection[0].method: Invalid discriminator value`))).toBe(
      true,
    );
    expect(lines).toContain(`${file}: budget.n: Too small: expected number to be >=1`);
  });

  it("names an undefined endpoint", () => {
    const file = join(tempDir("config"), "endpoint.json");
    writeFileSync(
      file,
      JSON.stringify({
        dataset: { path: "x" },
        endpoints: { a: { baseUrl: "http://a/v1" } },
        roles: { generator: { endpoint: "b", model: "m" } },
      }),
    );
    expect(() => loadRunConfig(file)).toThrow(
      `${file}: roles.generator.endpoint: endpoint "b" is not defined under endpoints (defined: a)`,
    );
  });

  it("says what exists when neither a file nor a preset is named", () => {
    expect(() => loadRunConfig("nope")).toThrow(
      /neither a configuration file nor a preset \(presets: demo, /,
    );
  });
});

describe("issue 11's configuration keys", () => {
  const base = (selection: unknown[]) => {
    const file = join(tempDir("sstar-config-"), "run.json");
    writeFileSync(
      file,
      JSON.stringify({
        dataset: { path: "demo" },
        endpoints: { a: { baseUrl: "http://127.0.0.1:1/v1" } },
        roles: { generator: { endpoint: "a", model: "m" } },
        selection,
      }),
    );
    return file;
  };

  it("defaults: entry points resolved, dict inputs as keywords, no re-asks, no starter code", () => {
    const config = loadRunConfig(base([{ method: "timeout_tests" }]));
    expect(config.execution).toEqual({ entryPoint: "resolve", dictInputs: "keywords" });
    expect(config.roles.generator.parseRetries).toBe(0);
    expect(config.roles.generator.showStarterCode).toBe(false);
    expect(config.alsoGrade).toEqual([]);
    expect(config.budget.selfDebugDecision).toBe("exit");
  });

  it("accepts the reference's remaining modes; the one-order judge must be code-only", () => {
    expect(loadRunConfig(base([{ method: "generated_tests_majority_llm" }])).selection).toEqual([
      { method: "generated_tests_majority_llm" },
    ]);
    expect(
      loadRunConfig(base([{ method: "llm_judge", grounding: "code_only", orders: "one" }])).selection,
    ).toEqual([{ method: "llm_judge", grounding: "code_only", orders: "one" }]);
    expect(() => loadRunConfig(base([{ method: "llm_judge", orders: "one" }]))).toThrow(
      /selection\[0\]\.orders: the one-order judge is code-only/,
    );
  });

  it("--also-grade adds a grader", () => {
    expect(loadRunConfig(base([{ method: "first" }]), { alsoGrade: ["ref"] }).alsoGrade).toEqual(["ref"]);
  });
});
