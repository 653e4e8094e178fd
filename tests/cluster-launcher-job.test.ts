import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { launcherObjects } from "../cluster/launcher-job";
import { FULL_VALUES, find, renderChart } from "./helpers/helm";

/** The release's launcher template, as `sstar cluster run` reads it from the cluster. */
function template(objects: ReturnType<typeof renderChart>["objects"]) {
  const map = find(objects, "ConfigMap", "t-launcher");
  return { job: JSON.parse(map.data["job.json"]), defaults: JSON.parse(map.data["defaults.json"]) };
}

describe("sstar cluster run's launcher Job", () => {
  it("is the Job the chart renders for the same preset, dataset and flags", () => {
    const values = ["-f", FULL_VALUES];
    const chart = renderChart(values).objects.find((o) => o.kind === "Job");
    const { job: tpl, defaults } = template(renderChart(values).objects);
    const { job, configMap } = launcherObjects("t", tpl, defaults, {
      preset: "sstar-r1-distill-qwen-7b",
      dataset: "lcb:release_v2",
      extraArgs: ["--limit", "400"],
    });
    expect(configMap).toBeUndefined();
    expect(job).toEqual(chart);
  });

  it("mounts a configuration file as the chart does, under the same name", () => {
    const config = { name: "mine", preset: "sstar-r1-distill-qwen-7b", budget: { n: 8, rounds: 2 } };
    const rendered = renderChart([
      "--set",
      "run.enabled=true",
      "--set-json",
      `run.config=${JSON.stringify(config)}`,
    ]).objects;
    const chartJob = rendered.find((o) => o.kind === "Job");
    const chartMap = rendered.find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === chartJob?.metadata.name,
    );
    const { job: tpl, defaults } = template(rendered);
    const { job, configMap } = launcherObjects("t", tpl, defaults, { config });
    expect(job).toEqual(chartJob);
    expect(configMap?.metadata).toEqual(chartMap?.metadata);
    expect(parseYaml(configMap?.data?.["config.yaml"] ?? "")).toEqual(
      parseYaml(chartMap?.data["config.yaml"]),
    );
  });

  it("takes the release's endpoint and model unless told others", () => {
    const { job: tpl, defaults } = template(renderChart(["-f", FULL_VALUES]).objects);
    expect(defaults).toEqual({
      endpoint: "http://t-vllm-r1-distill-qwen-7b:8000/v1",
      model: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    });
    const { job } = launcherObjects("t", tpl, defaults, {
      preset: "demo",
      endpoint: "http://other/v1",
      model: "m",
    });
    const args = job.spec?.template.spec?.containers[0]?.args;
    expect(args).toEqual([
      "run",
      "demo",
      "--no-worker",
      "--json",
      "--endpoint",
      "http://other/v1",
      "--model",
      "m",
    ]);
    expect(job.metadata?.name).toMatch(/^t-run-[0-9a-f]{8}$/);
  });
});
