import { loadRunConfig } from "./load-run-config";
import { PRESETS } from "./presets";

/** One preset as `sstar presets` lists it (the JSON keys are a contract: scripts read them). */
export interface PresetSummary {
  name: string;
  /** The generator's model (round 0). */
  model: string;
  n: number;
  r: number;
  grader: string;
  description: string;
}

/** Every preset, validated as a run would load it, in definition order. */
export function presetCatalog(): PresetSummary[] {
  return Object.keys(PRESETS).map((name) => {
    const config = loadRunConfig(name);
    return {
      name,
      model: config.roles.generator.model,
      n: config.budget.n,
      r: config.budget.rounds,
      grader: config.grader,
      description: config.description ?? "",
    };
  });
}
