import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ApplicationFailure } from "@temporalio/activity";
import type { RunConfig } from "../config/run-config";
import { findModelPrice, loadPriceFile, type PriceTable, selectPriceTable } from "../ledger/prices";
import type { CapEvent, NotRunFile, StageRates } from "../method/budget-caps";
import type { ProblemEntry, Stage } from "../method/pipeline-records";
import { ROLE_OF_STAGE } from "../method/run-summary";
import type { ContentRef, ContentStore } from "../store/content-store";

/**
 * Each stage's rates from a price table: token prices for API models; for self-hosted models the
 * endpoint's GPU price per generated token (GPUs × hourly price ÷ throughput). Throws, naming the
 * key, when a stage's model cannot be priced: a dollar cap must not silently count it as free.
 */
export function stageRates(config: RunConfig, table: PriceTable): StageRates {
  const rates: StageRates = {};
  for (const stage of Object.keys(ROLE_OF_STAGE) as Stage[]) {
    const roleName = ROLE_OF_STAGE[stage];
    const role = config.roles[roleName] ?? config.roles.generator;
    const price = findModelPrice(table, role.model);
    if (price?.billing === "tokens") {
      rates[stage] = { inputPer1M: price.inputPer1M, outputPer1M: price.outputPer1M };
      continue;
    }
    const endpoint = table.endpoints[role.endpoint];
    if (endpoint && (endpoint.gpus === 0 || endpoint.gpuHourUsd === 0)) {
      rates[stage] = { inputPer1M: 0, outputPer1M: 0 };
      continue;
    }
    const tps = endpoint?.throughputTokensPerSecond;
    if (!endpoint || !tps)
      throw new Error(
        `budget.caps: a costUsd cap needs a price for roles.${roleName} (model "${role.model}" at endpoint "${role.endpoint}"), and price table ${table.version} has no token price for the model and no GPU price with a throughput for the endpoint`,
      );
    rates[stage] = { inputPer1M: 0, outputPer1M: ((endpoint.gpus * endpoint.gpuHourUsd) / 3600 / tps) * 1e6 };
  }
  return rates;
}

export const NOT_RUN_FILE = "not-run.json";

/** Pricing dollar caps, and listing the problems a capped run did not start. */
export function budgetCapActivities(deps: { store: ContentStore }) {
  return {
    /** `not-run.json`: the problems from `offset` on in the run's list, with the run cap that stopped it. */
    async writeNotRun(input: {
      resultsDir: string;
      listRef: ContentRef;
      offset: number;
      runCap: CapEvent;
    }): Promise<void> {
      const entries = await deps.store.getJson<ProblemEntry[]>(input.listRef);
      const file: NotRunFile = {
        runCap: input.runCap,
        problems: entries.slice(input.offset).map((e) => ({ id: e.id, difficulty: e.difficulty })),
      };
      await writeFile(join(input.resultsDir, NOT_RUN_FILE), `${JSON.stringify(file, null, 2)}\n`);
    },

    /** The default price table's newest version, per stage. */
    async capRates(input: { config: RunConfig }): Promise<StageRates> {
      try {
        return stageRates(input.config, selectPriceTable(loadPriceFile()));
      } catch (err) {
        // An unpriced model is a configuration problem: retrying cannot fix it.
        throw ApplicationFailure.nonRetryable((err as Error).message, "UnpricedCap");
      }
    },
  };
}

/** The problems a stopped run did not start, if it stopped. */
export async function readNotRun(resultsDir: string): Promise<NotRunFile | undefined> {
  try {
    return JSON.parse(await readFile(join(resultsDir, NOT_RUN_FILE), "utf8")) as NotRunFile;
  } catch {
    return undefined;
  }
}
