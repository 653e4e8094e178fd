import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dataDir } from "../runtime/paths";
import { type DownloadProgress, downloadToCache, isUrl } from "./download";
import { LCB_PREFIX, lcbShardUrls } from "./lcb-releases";

export const DEMO_PROBLEMS_FILE = fileURLToPath(new URL("../demo/demo-problems.jsonl", import.meta.url));

/** A dataset name that names nothing readable (no such file, an unknown release, an empty folder). */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
  /** Bad input: the CLI's exit code when this ends a command. */
  get exitCode(): 2 {
    return 2;
  }
}

export interface ResolveOptions {
  /** sstar's cache root, `<data-dir>/cache`; default `cache` in $SSTAR_DATA_DIR (or `.sstar`). */
  cacheDir?: string;
  /** Told how each download goes (nothing is downloaded for local files or a cached URL). */
  onProgress?: (progress: DownloadProgress) => void;
  /** Passed to each download: further attempts after a broken transfer (default 3), and their spacing. */
  retries?: number;
  retryDelayMs?: number;
}

/** The files a dataset folder may hold, read in name order. */
const DATA_FILE = /\.(jsonl|json|ndjson|parquet)(\.gz)?$/i;

/** The cache root used when the caller gives none. */
export function defaultCacheDir(): string {
  return join(dataDir(), "cache");
}

/**
 * The local files of a dataset, in reading order:
 * - `demo`: the bundled demo problems;
 * - `lcb:release_vN` (and the other LiveCodeBench names, see lcb-releases.ts): the release's shards,
 *   downloaded from $SSTAR_LCB_BASE_URL or Hugging Face into the cache;
 * - an http(s) URL: that file, downloaded once into the cache;
 * - a folder: its `.jsonl`, `.json`, `.parquet` files (maybe `.gz`), by name;
 * - anything else: that file.
 */
export async function resolveDataset(path: string, options: ResolveOptions = {}): Promise<string[]> {
  if (path === "demo") return [DEMO_PROBLEMS_FILE];
  if (path.startsWith(LCB_PREFIX) || isUrl(path)) {
    let urls: string[];
    try {
      urls = isUrl(path) ? [path] : lcbShardUrls(path);
    } catch (err) {
      throw new DatasetError((err as Error).message);
    }
    const download = {
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      onProgress: options.onProgress,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
    };
    const files: string[] = [];
    // One at a time: shards are large, and progress lines are easier to follow.
    for (const url of urls) files.push(await downloadToCache(url, download));
    return files;
  }
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new DatasetError(
      `no dataset ${path}: not a file or folder (datasets are files, folders of files, http(s) URLs, ` +
        "lcb:release_vN or demo)",
    );
  }
  if (!stats.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => DATA_FILE.test(name))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
  if (files.length === 0) throw new DatasetError(`no dataset files (.jsonl, .json, .parquet) in ${path}`);
  return files;
}
