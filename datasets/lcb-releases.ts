/**
 * LiveCodeBench's `code_generation_lite` as published: JSONL shards `test.jsonl`, `test2.jsonl`, …,
 * `test6.jsonl`, each holding the problems one release added. The names are those of its loading script:
 * `release_vN` is cumulative (v1 = test.jsonl, v2 = test + test2, …), `release_latest` is every shard,
 * `vN` is release N's own shard alone and `vA_vB` the shards of releases A to B.
 */

export const LCB_SHARDS = [
  "test.jsonl",
  "test2.jsonl",
  "test3.jsonl",
  "test4.jsonl",
  "test5.jsonl",
  "test6.jsonl",
] as const;

export const LCB_DEFAULT_BASE_URL =
  "https://huggingface.co/datasets/livecodebench/code_generation_lite/resolve/main/";

/** Overrides LCB_DEFAULT_BASE_URL (a mirror, or a local server in tests). */
export const LCB_BASE_URL_ENV = "SSTAR_LCB_BASE_URL";

export const LCB_PREFIX = "lcb:";

/** The shards of a release, in order; throws naming the accepted names when `name` is not one. */
export function lcbShards(name: string): string[] {
  const count = LCB_SHARDS.length;
  const range = (from: number, to: number) => LCB_SHARDS.slice(from - 1, to);
  if (name === "release_latest") return range(1, count);
  let match = /^release_v(\d+)$/.exec(name);
  if (match && Number(match[1]) >= 1 && Number(match[1]) <= count) return range(1, Number(match[1]));
  match = /^v(\d+)$/.exec(name);
  if (match && Number(match[1]) >= 1 && Number(match[1]) <= count) {
    return range(Number(match[1]), Number(match[1]));
  }
  match = /^v(\d+)_v(\d+)$/.exec(name);
  if (match) {
    const [a, b] = [Number(match[1]), Number(match[2])];
    if (a >= 1 && a < b && b <= count) return range(a, b);
  }
  throw new Error(
    `unknown LiveCodeBench release ${JSON.stringify(name)}: use release_v1 … release_v${count}, ` +
      `release_latest, v1 … v${count} (one release's own problems) or vA_vB (releases A to B)`,
  );
}

/** The base URL of the shards: $SSTAR_LCB_BASE_URL, else Hugging Face's, always ending in `/`. */
export function lcbBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const base = env[LCB_BASE_URL_ENV]?.trim() || LCB_DEFAULT_BASE_URL;
  return base.endsWith("/") ? base : `${base}/`;
}

/** The shard URLs of `lcb:NAME` (or of a bare release name). */
export function lcbShardUrls(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const name = path.startsWith(LCB_PREFIX) ? path.slice(LCB_PREFIX.length) : path;
  const base = lcbBaseUrl(env);
  return lcbShards(name).map((shard) => new URL(shard, base).toString());
}
